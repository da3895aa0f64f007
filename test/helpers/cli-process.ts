/**
 * The built `switchboard` CLI as a child process (see built-cli.ts), for tests of what only a
 * whole process does: signals, exit codes, `--workers` supervision. Its stdout lines are kept and
 * can be waited for; it is killed (SIGKILL, with its workers) by an `after()` hook if a test left it
 * running, and that hook fails the test file if the process (or a worker) logged an unhandled
 * promise rejection (see unhandled.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { after } from 'node:test';
import { builtCli } from './built-cli.js';
import { sleep } from './server.js';
import { assertNoUnhandledRejections } from './unhandled.js';

export interface CliProcess {
  child: ChildProcess;
  /** Every stdout line so far. */
  readonly lines: string[];
  stderr(): string;
  /** Resolves with the first stdout line (already printed or to come, from line number `from` on) that matches. */
  line(pattern: RegExp, timeoutMs?: number, from?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (null after a signal). */
  readonly exited: Promise<number | null>;
  /** For the test that plants one: an unhandled rejection in this process does not fail the file. */
  expectUnhandledRejections(): void;
}

/** Starts `switchboard <args>` with logs at `error` unless the args say otherwise. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  const child = spawn(process.execPath, [builtCli(), '--log-level', 'error', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SWITCHBOARD_REDIS_URL: '', SWITCHBOARD_WORKERS: '', ...env },
    // Own process group, so the cleanup below can take the workers down with the supervisor.
    detached: true,
  });
  const lines: string[] = [];
  let partial = '';
  let errors = '';
  const waiting: Array<() => void> = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
    for (const wake of waiting.splice(0)) wake();
  });
  child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let expectUnhandled = false;
  after(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    if (!expectUnhandled) assertNoUnhandledRejections(errors, `switchboard ${args.join(' ')}`);
  });
  return {
    child,
    lines,
    stderr: () => errors,
    exited,
    expectUnhandledRejections: () => void (expectUnhandled = true),
    async line(pattern, timeoutMs = 20_000, from = 0) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        for (const text of lines.slice(from)) {
          const match = text.match(pattern);
          if (match) return match;
        }
        if (child.exitCode !== null) throw new Error(`switchboard exited (${child.exitCode}) before printing ${pattern}: ${lines.join('\n')}\n${errors}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; stdout: ${lines.join('\n')}\nstderr: ${errors}`);
        await Promise.race([new Promise<void>((resolve) => waiting.push(resolve)), sleep(50)]);
      }
    },
  };
}

/** GET a path, answering the status (0 when the connection failed: refused or reset). */
export async function statusOf(url: string): Promise<number> {
  try {
    const res = await fetch(url, { headers: { connection: 'close' } });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

/**
 * POSTs 1..total to `/api/publish` on one port (`concurrency` in flight), each with its number as
 * idempotency key and retried until answered 200: a request cut by a draining or killed worker is
 * retried, and the key makes the retry publish nothing if the first attempt had published.
 */
export async function publishNumbered(http: string, topic: string, total: number, concurrency = 4, pause = 1): Promise<void> {
  let next = 0;
  const publishOne = async (n: number) => {
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await fetch(`${http}/api/publish`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ topic, data: n, idempotencyKey: `n${n}` }) });
        await res.arrayBuffer();
        if (res.status === 200) return;
      } catch {
        // connection refused or reset: retry
      }
      if (attempt > 200) throw new Error(`publish ${n} kept failing`);
      await sleep(20);
    }
  };
  const lane = async () => {
    while (next < total) {
      await publishOne(++next);
      if (pause > 0) await sleep(pause);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}
