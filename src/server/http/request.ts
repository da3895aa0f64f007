/**
 * Reading HTTP requests, in one place: bodies (JSON or msgpack by Content-Type), route
 * parameters, and the fields the routes share. Every problem is a 400 BAD_REQUEST naming the field.
 */
import { unpackValue } from '../../protocol/msgpack-value.js';
import { ErrorCode } from '../../protocol/codes.js';
import { ProtocolError } from '../../protocol/errors.js';
import { MAX_IDEMPOTENCY_KEY_LENGTH } from '../engine/idempotency.js';
import type { HttpExchange, HttpRequestInfo } from '../transport/http.js';

/** Content types read as msgpack; every other body is read as JSON. */
export const MSGPACK_TYPES: ReadonlySet<string> = new Set(['application/msgpack', 'application/x-msgpack', 'application/vnd.msgpack']);

/** A 400 BAD_REQUEST for a malformed body or parameter. */
export function bad(message: string): ProtocolError {
  return new ProtocolError(ErrorCode.BadRequest, message);
}

/** Parses a body as JSON or msgpack by its Content-Type, requiring an object. */
export function parseBody(body: Buffer, contentType: string): Record<string, unknown> {
  const value = parseBodyValue(body, contentType);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('body must be an object');
  return value as Record<string, unknown>;
}

/** Parses a body as JSON or msgpack by its Content-Type, whatever value it holds. */
export function parseBodyValue(body: Buffer, contentType: string): unknown {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  let value: unknown;
  if (MSGPACK_TYPES.has(type)) {
    try {
      value = unpackValue(body);
    } catch (err) {
      // The message names the byte offset and what is wrong (0xc1, an unknown extension, …).
      throw bad(`body is not valid msgpack: ${(err as Error).message}`);
    }
  } else {
    // Anything that is not msgpack is read as JSON, so `curl -d '{...}'` (form content type) works.
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch {
      throw bad('body is not valid JSON');
    }
  }
  return value;
}

/** Reads and parses the request body as an object, within `maxBytes`. */
export async function readObject(exchange: HttpExchange, request: HttpRequestInfo, maxBytes: number): Promise<Record<string, unknown>> {
  const body = await exchange.readBody(maxBytes, Number(request.header('content-length') || 0));
  return parseBody(body, request.header('content-type'));
}

/** Reads and parses the request body, which may be any value (e.g. an array for a batch). */
export async function readValue(exchange: HttpExchange, request: HttpRequestInfo, maxBytes: number): Promise<unknown> {
  const body = await exchange.readBody(maxBytes, Number(request.header('content-length') || 0));
  return parseBodyValue(body, request.header('content-type'));
}

/** The `:topic` route parameter, percent-decoded. */
export function topicParameter(request: HttpRequestInfo): string {
  try {
    return decodeURIComponent(request.parameters[0] ?? '');
  } catch {
    throw bad('topic is not valid percent-encoding');
  }
}

/** The body's `data` field (required; may be null). */
export function requireData(body: Record<string, unknown>): unknown {
  if (!Object.hasOwn(body, 'data')) throw bad('"data" is required');
  return body.data;
}

/** The body's `topics`: a non-empty array of strings. */
export function readTopics(body: Record<string, unknown>): string[] {
  const topics = body.topics;
  if (!Array.isArray(topics) || topics.length === 0 || topics.some((topic) => typeof topic !== 'string')) {
    throw bad('"topics" must be a non-empty array of strings');
  }
  return topics as string[];
}

/** The idempotency key from the body's `idempotencyKey` or the `Idempotency-Key` header (they must agree). */
export function readIdempotencyKey(body: Record<string, unknown>, request: Pick<HttpRequestInfo, 'header'>): string | undefined {
  const header = request.header('idempotency-key').trim();
  const fromBody = body.idempotencyKey;
  if (fromBody !== undefined && (typeof fromBody !== 'string' || fromBody === '' || fromBody.length > MAX_IDEMPOTENCY_KEY_LENGTH)) {
    throw bad(`"idempotencyKey" must be a string of 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
  }
  if (header.length > MAX_IDEMPOTENCY_KEY_LENGTH) throw bad(`Idempotency-Key must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
  if (fromBody !== undefined && header !== '' && fromBody !== header) throw bad('"idempotencyKey" and the Idempotency-Key header differ');
  return fromBody ?? (header === '' ? undefined : header);
}

/** A non-negative integer query parameter, or undefined when absent. */
export function queryCount(query: URLSearchParams, name: string): number | undefined {
  const text = query.get(name);
  if (text === null) return undefined;
  if (!/^\d{1,15}$/.test(text)) throw bad(`"${name}" must be a non-negative integer`);
  return Number(text);
}

/**
 * Refuses fields a route does not know, naming them: a typo such as `idempotencykey` must not pass
 * silently and publish without the protection the caller thinks it asked for.
 */
export function onlyFields(body: Record<string, unknown>, known: readonly string[]): void {
  const unknown = Object.keys(body).filter((field) => !known.includes(field));
  if (unknown.length > 0) throw bad(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((field) => JSON.stringify(field.slice(0, 64))).join(', ')} (known: ${known.join(', ')})`);
}
