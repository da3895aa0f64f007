/**
 * V8 garbage-collector settings for a server process, applied by the `switchboard` command (and
 * its workers) and measured with bench/stalls on the shared 2-core box:
 *
 * - Young-generation collections on the main thread only (`--no-parallel-scavenge`). By default
 *   V8 splits each scavenge over helper threads and the event loop waits for all of them; when
 *   every core is busy (a worker per core, or a load generator on the same box) a helper that is
 *   not scheduled stretches the pause. 10 subscribers × 200,000 publications, three interleaved
 *   pairs at load average 9–13: longest scavenge 54 / 45 / 77 ms with helpers, 2.2 / 5.5 / 23 ms
 *   without; all pauses together 148 / 91 / 152 ms against 31 / 37 / 64 ms. This server's young
 *   generation is nearly all garbage, so there is little for helpers to share. Safe to set at run
 *   time, so the command sets it for itself.
 * - No memory reducer (`--no-memory-reducer`). About 8 s after a full collection V8 checks whether
 *   the process allocates little and, if so, runs up to three more full collections to shrink the
 *   heap. A server busy fanning out in uWS's C++ allocates little JavaScript and looks idle: at
 *   1,000 subscribers every run had two "Mark-Compact (reduce)" pauses of 5–18 ms about 17 s in;
 *   with the flag none. Read once when V8 starts (setting it at run time changed nothing in two
 *   runs), so it must be on the node command line: the supervisor starts workers with it, and a
 *   single process gets it from whoever runs node (operations.md).
 *
 * Concurrent marking of the old generation is untouched: it runs beside the main thread.
 * `--single-threaded-gc` is not used: set at run time it aborts Node 20 at the next mark-compact.
 */
import { setFlagsFromString } from 'node:v8';

/** Set to 0 to keep V8's own collector settings in the command and its workers. */
export const GC_TUNING_ENV = 'SWITCHBOARD_GC_TUNING';

/** Node flags a worker process is started with. */
export const WORKER_GC_FLAGS: readonly string[] = ['--no-memory-reducer', '--no-parallel-scavenge'];

const decided = (execArgv: readonly string[], flag: string) => {
  const name = flag.replace(/^--(no-)?/, '').replaceAll('_', '-');
  return execArgv.some((arg) => arg.replace(/^--(no-)?/, '').replaceAll('_', '-') === name || arg === '--single-threaded-gc');
};

/**
 * Turns parallel scavenging off for this process unless the environment or the node command line
 * (`--parallel-scavenge` / `--no-parallel-scavenge`) already decided. Returns whether it did.
 */
export function preferSerialScavenge(
  env: NodeJS.ProcessEnv = process.env,
  execArgv: readonly string[] = process.execArgv,
  setFlags: (flags: string) => void = setFlagsFromString,
): boolean {
  if (env[GC_TUNING_ENV] === '0' || decided(execArgv, '--parallel-scavenge')) return false;
  setFlags('--no-parallel-scavenge');
  return true;
}

/** A worker's node flags: this process's, plus the GC flags it did not decide itself. */
export function workerExecArgv(execArgv: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  if (env[GC_TUNING_ENV] === '0') return [...execArgv];
  return [...execArgv, ...WORKER_GC_FLAGS.filter((flag) => !decided(execArgv, flag))];
}
