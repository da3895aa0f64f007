/**
 * Starts a program that has no IPC channel to notice the harness leaving (redis-server, the
 * `switchboard --workers` supervisor) so that it still cannot outlive the run: it runs under
 * `timeout` (the run's lifetime, then SIGTERM, SIGKILL 10 s later), inside a small `sh` that holds
 * the write end of a pipe from the harness. When the harness exits, however it exits (a SIGKILL
 * included), the pipe closes, `cat` returns, and the sh sends SIGTERM, which `timeout` passes on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { childPids } from './proc-stats.js';

// `timeout` forwards SIGTERM to the program; the sh waits so its own exit means the program's.
// stderr goes away once the program has its copy: the sh's own "Terminated" notice is noise.
const TETHER_SCRIPT = 'timeout -k 10 "$TETHER_LIFETIME_S" "$@" & program=$!\nexec 2>/dev/null\ncat > /dev/null\nkill -TERM "$program"\nwait "$program"';

/** How long after SIGTERM stop() waits before SIGKILL. */
const STOP_GRACE_MS = 5000;

export interface Tethered {
  /** The sh around the program; its stdout is the program's. */
  readonly child: ChildProcess;
  /** The program's own pid (the child of `timeout`), once it exists. */
  programPid(): number | undefined;
  /** Resolves when the program (and the sh) exited. */
  readonly exited: Promise<void>;
  /** SIGTERM, then SIGKILL after a grace period; resolves on exit. */
  stop(graceMs?: number): Promise<void>;
}

/** Spawns `command args…` tethered to this process, for at most `lifetimeS` seconds. */
export function tether(command: string, args: readonly string[], lifetimeS: number, env: NodeJS.ProcessEnv = process.env): Tethered {
  const child = spawn('sh', ['-c', TETHER_SCRIPT, 'tether', command, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...env, TETHER_LIFETIME_S: String(Math.ceil(lifetimeS)) },
  });
  // A write to a tether that already ended must not crash the harness.
  child.stdin!.on('error', () => {});
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // The sh has two children, `timeout` and `cat`: the program is the child of the first.
  const timeoutPid = () => (child.pid === undefined ? undefined : childPids(child.pid).find((pid) => commOf(pid) === 'timeout'));
  const programPid = () => {
    const outer = timeoutPid();
    return outer === undefined ? undefined : childPids(outer)[0];
  };
  return {
    child,
    programPid,
    exited,
    async stop(graceMs = STOP_GRACE_MS) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin!.end();
      const program = programPid();
      const kill = setTimeout(() => {
        try {
          if (program !== undefined) process.kill(program, 'SIGKILL');
        } catch {
          // already gone
        }
        child.kill('SIGKILL');
      }, graceMs);
      await exited;
      clearTimeout(kill);
    },
  };
}

function commOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}
