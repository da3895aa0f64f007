/**
 * What a backend hook's answer means, as pure functions of (status, JSON body): the documented
 * answer shapes of docs/api.md "Backend hooks", and nothing else. 401 and 403 always mean "no" on
 * every hook, because that is what a PHP framework's auth middleware answers by itself; any other
 * 4xx, or a 2xx that is not the documented shape, is a misconfigured backend (BackendError).
 */
import { ErrorCode, errorInfo } from '../../../protocol/codes.js';
import { AuthError, RemoteError } from '../../../protocol/errors.js';
import type { Identity } from '../hooks.js';
import { BackendError } from './backend-error.js';
import type { HookAnswer } from './http-call.js';

/**
 * How deeply a backend answer may nest objects and arrays (the answer object itself is level 1).
 * Deeper answers are refused as malformed: a few KB of `[[[[…` would otherwise overflow the stack of
 * the codec that encodes them for a client, and no documented answer needs more than a few levels.
 * (docs/security.md §3a, docs/api.md §1.8)
 */
export const MAX_ANSWER_DEPTH = 64;

/** A subscribe or publish decision; `data` is set only when a publish answer replaces the data. */
export type Permission = { readonly allow: false } | { readonly allow: true; readonly replaced: boolean; readonly data?: unknown };

/**
 * The connect answer: `{userId, claims?, info?}` accepts; `{reject}` refuses (UNAUTHORIZED);
 * 401/403 refuse with UNAUTHORIZED/FORBIDDEN and the body's `reject` (or `error`) text as reason.
 * @throws AuthError for a refusal, BackendError for an answer of the wrong shape.
 */
export function connectIdentity(url: string, answer: HookAnswer): Identity {
  if (answer.status === 401) throw new AuthError(ErrorCode.Unauthorized, refusalText(answer.body) ?? 'authentication refused');
  if (answer.status === 403) throw new AuthError(ErrorCode.Forbidden, refusalText(answer.body) ?? 'forbidden');
  const body = successBody(url, answer);
  if (Object.hasOwn(body, 'reject')) {
    if (typeof body.reject !== 'string' || body.reject === '') throw malformed(url, answer, '"reject" must be a non-empty string');
    throw new AuthError(ErrorCode.Unauthorized, body.reject);
  }
  const identity: Identity = { userId: userIdOf(url, answer, body.userId) };
  if (body.claims !== undefined) {
    if (!isObject(body.claims)) throw malformed(url, answer, '"claims" must be an object');
    identity.claims = body.claims;
  }
  if (body.info !== undefined) identity.info = body.info;
  return identity;
}

/**
 * A subscribe or publish answer: `{allow: true}` (publish: optionally with `data` replacing the
 * client's), `{allow: false}`, 401 or 403.
 * @throws BackendError for an answer of the wrong shape.
 */
export function permission(url: string, answer: HookAnswer, mayReplaceData: boolean): Permission {
  if (answer.status === 401 || answer.status === 403) return { allow: false };
  const body = successBody(url, answer);
  if (typeof body.allow !== 'boolean') throw malformed(url, answer, '"allow" must be true or false');
  if (!body.allow) return { allow: false };
  if (mayReplaceData && Object.hasOwn(body, 'data')) return { allow: true, replaced: true, data: body.data };
  return { allow: true, replaced: false };
}

/**
 * An RPC answer: `{result}` is the reply's data; `{error: {code, message}}` answers with that code
 * when it is in the error table (HANDLER_FAILED otherwise); 401/403 answer UNAUTHORIZED/FORBIDDEN.
 * @throws RemoteError for an error answer, BackendError for an answer of the wrong shape.
 */
export function rpcResult(url: string, answer: HookAnswer): unknown {
  if (answer.status === 401) throw new RemoteError(ErrorCode.Unauthorized, errorMessage(answer.body) ?? 'not allowed');
  if (answer.status === 403) throw new RemoteError(ErrorCode.Forbidden, errorMessage(answer.body) ?? 'not allowed');
  const body = successBody(url, answer);
  if (Object.hasOwn(body, 'error')) {
    const error = body.error;
    if (!isObject(error)) throw malformed(url, answer, '"error" must be an object {code, message}');
    const code = typeof error.code === 'number' && errorInfo(error.code) !== undefined ? error.code : ErrorCode.HandlerFailed;
    throw new RemoteError(code, typeof error.message === 'string' && error.message !== '' ? error.message : 'handler failed');
  }
  if (!Object.hasOwn(body, 'result')) throw malformed(url, answer, 'expected {"result": ...} or {"error": {...}}');
  return body.result;
}

function successBody(url: string, answer: HookAnswer): Record<string, unknown> {
  if (answer.status >= 300) throw new BackendError('status', url, `HTTP ${answer.status}`, answer.status);
  if (!isObject(answer.body)) throw malformed(url, answer, 'the answer must be a JSON object');
  if (deeperThan(answer.body, MAX_ANSWER_DEPTH)) throw malformed(url, answer, `nested deeper than ${MAX_ANSWER_DEPTH} levels`);
  return answer.body;
}

/** Whether `value` nests objects and arrays more than `levels` deep (recursion bounded by `levels`). */
function deeperThan(value: unknown, levels: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (levels === 0) return true;
  for (const child of Array.isArray(value) ? value : Object.values(value)) {
    if (deeperThan(child, levels - 1)) return true;
  }
  return false;
}

// PHP's json_encode writes an integer id as a number; accept it rather than refuse every PHP app
// that did not cast to string.
function userIdOf(url: string, answer: HookAnswer, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  throw malformed(url, answer, '"userId" must be a non-empty string, an integer or null');
}

function refusalText(body: unknown): string | undefined {
  if (!isObject(body)) return undefined;
  for (const key of ['reject', 'error']) {
    const value = body[key];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

function errorMessage(body: unknown): string | undefined {
  if (!isObject(body)) return undefined;
  const error = body.error;
  if (typeof error === 'string' && error !== '') return error;
  return isObject(error) && typeof error.message === 'string' && error.message !== '' ? error.message : undefined;
}

function malformed(url: string, answer: HookAnswer, why: string): BackendError {
  return new BackendError('malformed', url, `malformed answer: ${why}`, answer.status);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
