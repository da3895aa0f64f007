/**
 * Harness shim for `k6/timers`. A pending timer keeps its VU iteration alive, as in k6's event
 * loop, and its callback runs as code of that VU.
 */
import { requireIteration, runInIteration, type IterationContext, type PendingWork } from '../runtime.js';

const live = new Map<unknown, { ctx: IterationContext; work: PendingWork }>();

/** Runs `fn` once after `ms`. */
export function setTimeout(fn: (...args: unknown[]) => void, ms = 0, ...args: unknown[]): unknown {
  const ctx = requireIteration('setTimeout');
  const handle = globalThis.setTimeout(() => {
    live.delete(handle);
    try {
      runInIteration(ctx, () => fn(...args));
    } finally {
      ctx.done(work);
    }
  }, ms);
  const work: PendingWork = { close: () => globalThis.clearTimeout(handle) };
  live.set(handle, { ctx, work });
  ctx.hold(work);
  return handle;
}

/** Cancels a timeout; its iteration no longer waits for it. */
export function clearTimeout(handle: unknown): void {
  const entry = live.get(handle);
  if (entry === undefined) return;
  live.delete(handle);
  entry.work.close();
  entry.ctx.done(entry.work);
}

/** Runs `fn` every `ms` until cleared (the iteration waits for the clear). */
export function setInterval(fn: (...args: unknown[]) => void, ms = 0, ...args: unknown[]): unknown {
  const ctx = requireIteration('setInterval');
  const handle = globalThis.setInterval(() => runInIteration(ctx, () => fn(...args)), ms);
  const work: PendingWork = { close: () => globalThis.clearInterval(handle) };
  live.set(handle, { ctx, work });
  ctx.hold(work);
  return handle;
}

/** Stops an interval. */
export const clearInterval = clearTimeout;

export default { setTimeout, clearTimeout, setInterval, clearInterval };
