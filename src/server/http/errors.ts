/**
 * The one place error codes become HTTP answers: the status for each code that can reach an HTTP
 * client, the `{error, code}` body, and the headers a code calls for. Transports write what this
 * returns; nothing deeper in the server knows an HTTP status.
 */
import { ErrorCode, errorName } from '../../protocol/codes.js';
import { LimitError, SwitchboardError } from '../../protocol/errors.js';

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
  [ErrorCode.EngineUnavailable]: '503 Service Unavailable',
  // The engine is this server's upstream and did not answer in time: a gateway timeout, which
  // proxies also answer when the outcome is unknown. Not a 503, which callers read as "not done".
  [ErrorCode.PublishOutcomeUnknown]: '504 Gateway Timeout',
};

/** An HTTP answer for a thrown error. */
export interface ErrorAnswer {
  status: string;
  /** JSON text `{"error": message, "code": NAME}`. */
  body: string;
  headers: Record<string, string>;
  /** Close the HTTP connection after answering (the rest of a refused body is never read). */
  close: boolean;
}

/**
 * The answer for a thrown error: SwitchboardErrors keep their code and message (and a
 * `Retry-After` when they carry one); anything else is a 500 without details.
 */
export function errorAnswer(err: unknown): ErrorAnswer {
  if (err instanceof SwitchboardError) {
    const headers: Record<string, string> = {};
    if (err instanceof LimitError && err.retryAfterSeconds !== undefined) headers['Retry-After'] = String(err.retryAfterSeconds);
    return {
      status: STATUS_BY_CODE[err.code] ?? '500 Internal Server Error',
      body: JSON.stringify({ error: err.message, code: errorName(err.code) }),
      headers,
      close: err.code === ErrorCode.PayloadTooLarge,
    };
  }
  return { status: '500 Internal Server Error', body: JSON.stringify({ error: 'internal error', code: errorName(ErrorCode.Internal) }), headers: {}, close: false };
}
