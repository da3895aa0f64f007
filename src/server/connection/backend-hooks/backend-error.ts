/**
 * A backend hook call that produced no usable answer: the backend was unreachable, too slow,
 * failed (5xx), redirected, or answered something that is not the documented shape. The client
 * sees only a retryable code and a generic message; `url`, `status` and `detail` are for the log.
 */
import { ErrorCode } from '../../../protocol/codes.js';
import { SwitchboardError } from '../../../protocol/errors.js';

/**
 * Why a hook call failed, for the log and the metrics-minded reader. `overloaded`: refused before
 * it was made, as too many calls were open and waiting (call-gate.ts); `abandoned`: its connection
 * closed while it waited, so it was never made (nobody is told, nothing is logged).
 */
export type BackendFailure = 'timeout' | 'unreachable' | 'status' | 'malformed' | 'too-large' | 'overloaded' | 'abandoned';

function codeOf(failure: BackendFailure): number {
  if (failure === 'timeout') return ErrorCode.Timeout;
  return failure === 'overloaded' ? ErrorCode.Overloaded : ErrorCode.Internal;
}

function messageOf(failure: BackendFailure, timeoutMs: number | undefined): string {
  if (failure === 'timeout') return `backend did not answer within ${timeoutMs ?? '?'} ms`;
  return failure === 'overloaded' ? 'backend busy, retry later' : 'backend unavailable';
}

export class BackendError extends SwitchboardError {
  /**
   * @param failure what went wrong; `timeout` carries TIMEOUT (106), `overloaded` OVERLOADED (116),
   *   everything else INTERNAL (100); all three tell the client to retry.
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
    super(codeOf(failure), messageOf(failure, options?.timeoutMs), options);
  }
}
