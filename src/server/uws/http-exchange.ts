/**
 * One HTTP request/response on uWS, made abort-safe: reads the body with a size limit and never
 * touches the response after the client went away or after it was answered.
 */
import { ErrorCode } from '../../protocol/codes.js';
import { LimitError } from '../../protocol/errors.js';
import { errorAnswer } from '../http/errors.js';
import type { HttpExchange } from '../transport/http.js';
import type { HttpResponse } from './binding.js';

export class UwsHttpExchange implements HttpExchange {
  /** True once the peer disconnected; the response must not be touched. */
  aborted = false;
  /** True once a response was written. */
  answered = false;
  /** Called once if the peer disconnects first (uWS keeps only one onAborted handler per response: this is it). */
  onAbort: (() => void) | undefined;

  /**
   * `leaving`: true once the server stopped listening. Answers then carry `Connection: close`, so a
   * keep-alive client (a load balancer's pool, a PHP backend reusing its curl handle) opens its next
   * request on a server that is staying, instead of holding on to this one until it exits.
   */
  constructor(
    readonly res: HttpResponse,
    private readonly leaving: () => boolean = () => false,
  ) {
    res.onAborted(() => {
      this.aborted = true;
      this.onAbort?.();
    });
  }

  /** Whether the response can still be written. */
  get open(): boolean {
    return !this.aborted && !this.answered;
  }

  /**
   * Reads the whole body, rejecting with LimitError(PAYLOAD_TOO_LARGE) past `limit` bytes. If the
   * request is aborted the promise never settles (uWS stops calling onData) and is collected with it.
   *
   * A body over the limit is still read to its end, and discarded, before the refusal is answered,
   * up to REFUSED_BODY_DRAIN_BYTES past the limit. Answering at once and closing (the refusal's
   * `Connection: close`) would leave the rest of the body unread, and the kernel answers a close
   * with unread bytes with a reset, which discards the 413 on its way: the client, often still
   * writing, would see a failed connection instead of "not published". Past that bound, or when the
   * declared length is already past it, the refusal is answered at once: such a client gets a reset.
   */
  readBody(limit: number, declaredLength: number): Promise<Buffer> {
    const drainUpTo = limit + REFUSED_BODY_DRAIN_BYTES;
    if (declaredLength > drainUpTo) return Promise.reject(tooLarge(limit));
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let refused = false;
      let settled = false;
      this.res.onData((chunk, isLast) => {
        if (settled) return;
        size += chunk.byteLength;
        if (refused || size > limit) {
          refused = true;
          chunks.length = 0;
          if (isLast || size > drainUpTo) {
            settled = true;
            reject(tooLarge(limit));
          }
          return;
        }
        // uWS reuses the chunk's memory after this callback returns: copy it now.
        chunks.push(Buffer.from(new Uint8Array(chunk)));
        if (isLast) {
          settled = true;
          resolve(Buffer.concat(chunks, size));
        }
      });
    });
  }

  /** Answers with a JSON body. No-op when aborted or already answered. */
  json(status: string, body: unknown, closeConnection = false): void {
    this.send(status, 'application/json', JSON.stringify(body), closeConnection);
  }

  /** Answers with a body of the given content type. No-op when aborted or already answered. */
  send(status: string, contentType: string, body: string, closeConnection = false, headers: Record<string, string> = {}): void {
    if (!this.open) return;
    this.answered = true;
    this.res.cork(() => {
      this.res.writeStatus(status).writeHeader('Content-Type', contentType);
      for (const [name, value] of Object.entries(headers)) this.res.writeHeader(name, value);
      this.res.end(body, closeConnection || this.leaving());
    });
  }

  /**
   * Answers with `{error, code}` for a thrown error: SwitchboardErrors keep their code and message;
   * anything else is a 500 without details.
   */
  fail(err: unknown, headers: Record<string, string> = {}, closeConnection = false): void {
    const answer = errorAnswer(err);
    this.send(answer.status, 'application/json', answer.body, closeConnection || answer.close, { ...headers, ...answer.headers });
  }
}

/**
 * How much of a refused body is read and discarded past the limit so that the 413 reaches the
 * client (see readBody): what one request can make the server read for nothing, on top of the limit.
 */
export const REFUSED_BODY_DRAIN_BYTES = 16 * 1024 * 1024;

function tooLarge(limit: number): LimitError {
  return new LimitError(ErrorCode.PayloadTooLarge, `body larger than ${limit} bytes`);
}
