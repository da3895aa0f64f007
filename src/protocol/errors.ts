/**
 * The named errors of Switchboard. Each carries a stable numeric `code` from codes.ts and keeps its
 * `cause`. Core code throws these; only the edges (WebSocket, HTTP) translate them.
 */
import { ErrorCode, errorName, type ErrorCodeValue } from './codes.js';

/** Base class: a message, a code from the error table and an optional cause. */
export class SwitchboardError extends Error {
  readonly code: number;

  constructor(code: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }

  /** Stable upper-case name of the code, e.g. `INVALID_TOPIC`. */
  get codeName(): string {
    return errorName(this.code);
  }
}

/** Malformed bytes or a frame of the wrong shape. */
export class ProtocolError extends SwitchboardError {
  /** Id of the request the bad frame carried, when it could be read; 0 otherwise. */
  requestId = 0;

  constructor(code: ErrorCodeValue, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Credentials missing, invalid, expired or not allowed to do something. */
export class AuthError extends SwitchboardError {
  /** `Unauthorized` (who are you?), `Forbidden` (you may not) or `TokenExpired` (get a new token). */
  constructor(
    code: typeof ErrorCode.Unauthorized | typeof ErrorCode.Forbidden | typeof ErrorCode.TokenExpired,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/**
 * A size, count or rate limit would be exceeded, the server is at capacity, or its engine is
 * unreachable (nothing published) or stopped answering (publish outcome unknown).
 */
export class LimitError extends SwitchboardError {
  /** Seconds the caller should wait before retrying (HTTP `Retry-After`), when known. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: typeof ErrorCode.LimitExceeded | typeof ErrorCode.PayloadTooLarge | typeof ErrorCode.RateLimited | typeof ErrorCode.Overloaded | typeof ErrorCode.EngineUnavailable | typeof ErrorCode.PublishOutcomeUnknown,
    message: string,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(code, message, options);
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/** A bad option value; `key` names the option. */
export class OptionsError extends Error {
  readonly key: string;

  constructor(key: string, message: string) {
    super(`${key}: ${message}`);
    this.name = 'OptionsError';
    this.key = key;
  }
}

/**
 * An error answered by the other side (an Error frame), or raised by a client request that could not
 * complete (timeout, disconnect). RPC handlers may throw it to choose the code the caller sees.
 */
export class RemoteError extends SwitchboardError {}

/** `err` if it is an Error, else an Error describing it (for values thrown by application code). */
export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
