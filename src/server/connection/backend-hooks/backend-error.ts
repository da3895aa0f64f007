/**
 * A backend hook call that produced no usable answer: the backend was unreachable, too slow,
 * failed (5xx), redirected, or answered something that is not the documented shape. The client
 * sees only a retryable code and a generic message; `url`, `status` and `detail` are for the log.
 */
import { ErrorCode } from '../../../protocol/codes.js';
import { SwitchboardError } from '../../../protocol/errors.js';

/** Why a hook call failed, for the log and the metrics-minded reader. */
export type BackendFailure = 'timeout' | 'unreachable' | 'status' | 'malformed' | 'too-large';

export class BackendError extends SwitchboardError {
  /**
   * @param failure what went wrong; `timeout` carries TIMEOUT (106), everything else INTERNAL (100).
   * @param url the hook URL that was called.
   * @param detail what the log says (never sent to the client).
   * @param status the HTTP status, when an answer arrived.
   */
  constructor(
    readonly failure: BackendFailure,
    readonly url: string,
    readonly detail: string,
    readonly status?: number,
    options?: { cause?: unknown; timeoutMs?: number },
  ) {
    super(
      failure === 'timeout' ? ErrorCode.Timeout : ErrorCode.Internal,
      failure === 'timeout' ? `backend did not answer within ${options?.timeoutMs ?? '?'} ms` : 'backend unavailable',
      options,
    );
  }
}
