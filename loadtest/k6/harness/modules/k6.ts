/**
 * Harness shim for `k6`: `check` (recorded in the built-in `checks` rate, per check name as k6
 * reports them), `group` and `fail`. `sleep` is refused: k6's sleep blocks the VU, which a Node
 * event loop cannot do honestly, so the Switchboard scripts do not use it.
 */
import { addSample } from '../runtime.js';

/** Pass/fail counts per check name, for the run report. */
export const checkResults = new Map<string, { passes: number; fails: number }>();

/** Runs each named predicate on `value`; records each result; true when all passed. */
export function check<T>(value: T, sets: Record<string, (value: T) => boolean | unknown>, _tags?: Record<string, string>): boolean {
  let all = true;
  for (const [name, predicate] of Object.entries(sets)) {
    let ok: boolean;
    try {
      ok = Boolean(typeof predicate === 'function' ? predicate(value) : predicate);
    } catch {
      ok = false;
    }
    const counts = checkResults.get(name) ?? { passes: 0, fails: 0 };
    if (ok) counts.passes++;
    else counts.fails++;
    checkResults.set(name, counts);
    addSample('checks', 'rate', ok ? 1 : 0);
    all &&= ok;
  }
  return all;
}

/** Runs `fn` (groups only tag metrics in k6; the harness does not tag). */
export function group<T>(_name: string, fn: () => T): T {
  return fn();
}

/** Throws, ending the iteration, as k6's fail() does. */
export function fail(message?: string): never {
  throw new Error(message ?? 'fail() called');
}

/** Not supported: see the file header. */
export function sleep(_seconds: number): never {
  throw new Error('sleep() is not supported by the k6 harness (it would block the event loop); use k6/timers');
}

export default { check, group, fail, sleep };
