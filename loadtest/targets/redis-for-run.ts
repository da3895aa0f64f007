/**
 * The Redis a cluster under test shares (`switchboard --workers` needs the Redis engine): either
 * the one `--redis <url>` names (loopback only, like `--target`: the harness loads nothing off this
 * machine), or a private `redis-server` on a free loopback port without persistence, started for
 * one run and stopped after it, tethered so a killed harness cannot leave it behind.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reservePort } from './ports.js';
import { loopbackUrl } from './server-under-test.js';
import { tether } from './tether.js';

/** How long redis-server may take to accept connections. */
const START_TIMEOUT_MS = 10_000;

export interface RunRedis {
  url: string;
  /** redis-server's pid when the harness started it (sampled on its own line). */
  pid(): number | undefined;
  stop(): Promise<void>;
}

/**
 * A loopback TCP port for a child to bind (redis-server, the --workers supervisor): reserved below
 * the ephemeral range (ports.ts), so the generator's own thousands of connections cannot take it first.
 */
export const freePort = reservePort;

/** Refuses anything but a redis:// URL on a loopback host. */
export function checkRedisUrl(url: string): string {
  loopbackUrl('--redis', url, 'redis:');
  return url;
}

/** Uses `url`, or starts a private redis-server living at most `lifetimeS` seconds. */
export async function redisForRun(url: string | undefined, lifetimeS: number): Promise<RunRedis> {
  if (url !== undefined) return { url: checkRedisUrl(url), pid: () => undefined, stop: async () => {} };
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new Error('--server-workers needs Redis and redis-server was not found: install it (apt-get install redis-server) or pass --redis redis://127.0.0.1:<port>');
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'loadtest-redis-'));
  const redis = tether('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'no', '--loglevel', 'warning'], lifetimeS);
  redis.child.stdout!.resume();
  const stop = async () => {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await untilListening(port, redis.exited);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `redis://127.0.0.1:${port}`, pid: redis.programPid, stop };
}

/** Resolves once redis-server on `port` accepts connections; rejects when it exited or took too long. */
export async function untilListening(port: number, exited: Promise<void>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (gone) throw new Error(`redis-server on port ${port} exited before accepting connections`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server did not accept connections on port ${port} within ${START_TIMEOUT_MS} ms`);
}
