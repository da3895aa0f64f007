/**
 * One HTTP request/response on uWS, made abort-safe: reads the body with a size limit and never
 * touches the response after the client went away or after it was answered.
 */
import { ErrorCode, errorName } from '../protocol/codes.js';
import { LimitError, SwitchboardError } from '../protocol/errors.js';
import type { HttpResponse } from './uws.js';

/** HTTP status for each error code that can reach an HTTP client. The only place codes become statuses. */
const STATUS_BY_CODE: Record<number, string> = {
  [ErrorCode.BadRequest]: '400 Bad Request',
  [ErrorCode.BadFrame]: '400 Bad Request',
  [ErrorCode.InvalidTopic]: '400 Bad Request',
  [ErrorCode.Unauthorized]: '401 Unauthorized',
  [ErrorCode.Forbidden]: '403 Forbidden',
  [ErrorCode.NotFound]: '404 Not Found',
  [ErrorCode.PayloadTooLarge]: '413 Payload Too Large',
  [ErrorCode.Unsupported]: '415 Unsupported Media Type',
  [ErrorCode.LimitExceeded]: '429 Too Many Requests',
  [ErrorCode.Timeout]: '504 Gateway Timeout',
  [ErrorCode.TokenExpired]: '401 Unauthorized',
  [ErrorCode.RateLimited]: '429 Too Many Requests',
  [ErrorCode.Overloaded]: '503 Service Unavailable',
};

export class HttpExchange {
  /** True once the peer disconnected; the response must not be touched. */
  aborted = false;
  /** True once a response was written. */
  answered = false;
  /** Called once if the peer disconnects first (uWS keeps only one onAborted handler per response: this is it). */
  onAbort: (() => void) | undefined;

  constructor(readonly res: HttpResponse) {
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
   */
  readBody(limit: number, declaredLength: number): Promise<Buffer> {
    if (declaredLength > limit) return Promise.reject(tooLarge(limit));
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let failed = false;
      this.res.onData((chunk, isLast) => {
        if (failed) return;
        size += chunk.byteLength;
        if (size > limit) {
          failed = true;
          reject(tooLarge(limit));
          return;
        }
        // uWS reuses the chunk's memory after this callback returns: copy it now.
        chunks.push(Buffer.from(new Uint8Array(chunk)));
        if (isLast) resolve(Buffer.concat(chunks, size));
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
      this.res.end(body, closeConnection);
    });
  }

  /**
   * Answers with `{error, code}` for a thrown error: SwitchboardErrors keep their code and message;
   * anything else is a 500 without details.
   */
  fail(err: unknown, headers: Record<string, string> = {}, closeConnection = false): void {
    if (err instanceof SwitchboardError) {
      const status = STATUS_BY_CODE[err.code] ?? '500 Internal Server Error';
      // After a refused body, close the connection rather than read the rest of it.
      const close = closeConnection || err.code === ErrorCode.PayloadTooLarge;
      if (err instanceof LimitError && err.retryAfterSeconds !== undefined) headers = { ...headers, 'Retry-After': String(err.retryAfterSeconds) };
      this.send(status, 'application/json', JSON.stringify({ error: err.message, code: errorName(err.code) }), close, headers);
      return;
    }
    this.send('500 Internal Server Error', 'application/json', JSON.stringify({ error: 'internal error', code: errorName(ErrorCode.Internal) }));
  }
}

function tooLarge(limit: number): LimitError {
  return new LimitError(ErrorCode.PayloadTooLarge, `body larger than ${limit} bytes`);
}
