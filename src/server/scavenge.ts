/**
 * Young-generation collections on the main thread only (V8's `--no-parallel-scavenge`), set by the
 * `switchboard` command for itself and its workers. By default V8 splits each scavenge over helper
 * threads and the main thread waits for all of them; on a box whose cores are all busy (a worker per
 * core, or a 2-core machine shared with a load generator) a helper that is not scheduled stretches
 * the pause. Measured in-process at 10 subscribers × 200,000 publications on the shared 2-core box
 * (bench/stalls, load average 9–13, three interleaved pairs): longest scavenge 54 / 45 / 77 ms with
 * helpers, 2.2 / 5.5 / 23 ms without; all pauses together 148 / 91 / 152 ms against 31 / 37 / 64 ms.
 * This server's young generation is almost all garbage (history lives in
 * byte rings, frames are handed to uWS), so a scavenge has little to copy and gains little from
 * helpers. Concurrent marking of the old generation is untouched: it runs beside the main thread.
 */
import { setFlagsFromString } from 'node:v8';

/** Set to 1 to keep V8's parallel scavenge (the node flag cannot be given through NODE_OPTIONS). */
export const PARALLEL_SCAVENGE_ENV = 'SWITCHBOARD_PARALLEL_SCAVENGE';

/**
 * Turns parallel scavenging off for this process unless the environment or the node command line
 * (`--parallel-scavenge` / `--no-parallel-scavenge`) already decided. Returns whether it did.
 * Only this flag is safe to change after V8 has started: `--single-threaded-gc` set at run time
 * aborts the process in the next mark-compact (Node 20).
 */
export function preferSerialScavenge(
  env: NodeJS.ProcessEnv = process.env,
  execArgv: readonly string[] = process.execArgv,
  setFlags: (flags: string) => void = setFlagsFromString,
): boolean {
  if (env[PARALLEL_SCAVENGE_ENV] === '1') return false;
  if (execArgv.some((arg) => /^--(no-)?parallel[-_]scavenge$/.test(arg) || arg === '--single-threaded-gc')) return false;
  setFlags('--no-parallel-scavenge');
  return true;
}
