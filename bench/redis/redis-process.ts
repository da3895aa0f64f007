/**
 * A private redis-server for one bench run that the bench can hurt on purpose: `kill -9` and
 * restart on the same port (no persistence, so the restart starts empty), SIGSTOP/SIGCONT.
 * loadtest/targets/redis-for-run.ts starts one that can only be stopped; this one is tethered the same
 * way (loadtest/targets/tether.ts), so a killed bench cannot leave a redis-server behind.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, untilListening } from '../../loadtest/targets/redis-for-run.js';
import { tether, type Tethered } from '../../loadtest/targets/tether.js';

export interface BenchRedis {
  readonly url: string;
  readonly port: number;
  /** `redis-server --version`'s `v=` field. */
  readonly version: string;
  /** kill -9 (the data is gone: no persistence). */
  kill9(): Promise<void>;
  /** Starts it again on the same port; resolves once it accepts connections. */
  restart(): Promise<void>;
  /** SIGSTOP / SIGCONT. */
  signal(signal: 'SIGSTOP' | 'SIGCONT'): void;
  /** One command through redis-cli; its output. */
  cli(...args: string[]): string;
  stop(): Promise<void>;
}

/** Starts redis-server on a free loopback port, without persistence, living at most `lifetimeS`. */
export async function startBenchRedis(lifetimeS: number): Promise<BenchRedis> {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) throw new Error('redis-server was not found: apt-get install redis-server');
  const version = /v=(\S+)/.exec(probe.stdout)?.[1] ?? 'unknown';
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'no', '--loglevel', 'warning'];
  let current: Tethered | undefined;
  const start = async () => {
    const started = tether('redis-server', args, lifetimeS);
    started.child.stdout!.resume();
    current = started;
    await untilListening(port, started.exited);
  };
  const pid = () => {
    const found = current?.programPid();
    if (found === undefined) throw new Error('redis-server is not running');
    return found;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    version,
    async kill9() {
      const program = pid();
      process.kill(program, 'SIGKILL');
      // The tether's sh outlives its program until its stdin closes: end it now.
      const old = current;
      current = undefined;
      await old?.stop();
    },
    restart: start,
    signal(signal) {
      process.kill(pid(), signal);
    },
    cli(...command) {
      return spawnSync('redis-cli', ['-p', String(port), ...command], { encoding: 'utf8' }).stdout.trim();
    },
    async stop() {
      try {
        process.kill(pid(), 'SIGCONT');
      } catch {
        // not running
      }
      await current?.stop();
      current = undefined;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
