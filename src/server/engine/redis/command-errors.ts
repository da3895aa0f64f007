/**
 * What a failed Redis command means for its caller. The line that matters is whether the command
 * could have run: one refused before it reached the socket provably did nothing (503, "nothing was
 * published"); one written to the socket may run whenever Redis reads it (a stopped Redis runs it
 * after SIGCONT, a dropped connection may have delivered it), so for a publish the honest answer
 * is "outcome unknown: retry with the same idempotency key".
 */
import { ErrorCode } from '../../../protocol/codes.js';
import { LimitError } from '../../../protocol/errors.js';

/** What the caller of a command must be told when it fails after it was sent. */
export type CommandEffect = 'read' | 'publish';

/** ENGINE_UNAVAILABLE (503, retry): the command was never sent, or it only read. Keeps the cause. */
export function unavailable(cause: unknown): LimitError {
  return new LimitError(ErrorCode.EngineUnavailable, 'the engine (Redis) is unavailable; nothing was published', { cause, retryAfterSeconds: 1 });
}

/** PUBLISH_OUTCOME_UNKNOWN (504, retry with the same key): the publish was sent and not answered. */
export function outcomeUnknown(cause: unknown): LimitError {
  return new LimitError(
    ErrorCode.PublishOutcomeUnknown,
    'the engine (Redis) did not answer: the publication may have been made or may still be; retry with the same idempotency key',
    { cause, retryAfterSeconds: 1 },
  );
}

// ioredis refuses a command with this message, without writing it, when the socket is not
// writable and the offline queue is off (connections.ts turns it off).
const NOT_WRITTEN = "Stream isn't writeable";

/** Whether ioredis refused the command before writing any byte of it. */
export function neverSent(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith(NOT_WRITTEN);
}

/** Whether the command was sent and its answer did not come within the command timeout. */
export function timedOut(err: unknown): boolean {
  return err instanceof Error && /timed out/i.test(err.message);
}

/** Script errors are bugs, not outages: Redis answered, so the command ran (and failed) there. */
export function isReplyError(err: unknown): boolean {
  return err instanceof Error && err.name === 'ReplyError';
}

// Refusals of a server that cannot take writes now: a replica (a master demoted behind the node's
// back, or a node pointed at a replica), a master without its `min-replicas-to-write`, one still
// loading its data. Each is raised before the first write of a script, so nothing was written.
const REFUSED_WRITE = /^(READONLY|NOREPLICAS|LOADING|MASTERDOWN) /;

/** The error a failed command's caller gets. */
export function commandFailure(err: unknown, effect: CommandEffect): Error {
  if (isReplyError(err) && REFUSED_WRITE.test((err as Error).message)) return unavailable(err);
  if (isReplyError(err)) return err as Error;
  if (neverSent(err) || effect === 'read') return unavailable(err);
  return outcomeUnknown(err);
}
