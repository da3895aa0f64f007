/**
 * A private redis-server for one test file, on a free loopback port, killed when the file ends.
 * Tests never touch a Redis they did not start. Without a `redis-server` binary the tests skip
 * visibly, except under CI=true, where a missing Redis must fail the run (never a silent skip):
 * .ci/run installs Debian's redis-server.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { builtCli } from './built-cli.js';
import { freePort, untilListening } from './server.js';
import { assertNoUnhandledRejections } from './unhandled.js';

/** Why Redis tests cannot run here, or undefined when redis-server is available. */
export const redisMissing: string | undefined = (() => {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error === undefined && probe.status === 0) return undefined;
  if (process.env.CI === 'true') throw new Error('redis-server is required under CI=true (apt-get install redis-server; .ci/run does)');
  return 'redis-server not installed (apt-get install redis-server); Redis engine tests skipped';
})();

export interface TestRedis {
  port: number;
  url: string;
  /** The running process (undefined while stopped). */
  process: ChildProcess | undefined;
  /** Starts it again on the same port (after `kill`), with the same data directory. */
  restart(): Promise<void>;
  /** Sends a signal (SIGKILL by default) and waits for the exit (SIGSTOP/SIGCONT return at once). */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Runs one command through redis-cli and returns its output. */
  cli(...args: string[]): string;
  /**
   * Writes an RDB snapshot now (`SAVE`) and keeps a copy of it and of the append-only files (with
   * `persist`, fsynced on every write); returns the copy's folder.
   */
  snapshot(): string;
  /**
   * Loses every write since `snapshot`: `kill -9`, the copied files put back, restart (what a
   * restart from an older RDB, a failover to a lagging replica, or a restored backup does to the data).
   */
  restartFrom(snapshot: string): Promise<void>;
}

/**
 * Starts redis-server (`--save ''`, no persistence, unless `persist`: append-only file with fsync
 * on every write, so a `kill -9` loses nothing acknowledged). Killed by an `after()` hook.
 */
export async function startRedis(options: { persist?: boolean } = {}): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sb-redis-'));
  let snapshots = 0;
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--protected-mode', 'no'];
  args.push(...(options.persist === true ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']));
  const redis: TestRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    process: undefined,
    async restart() {
      redis.process = spawn('redis-server', args, { stdio: 'ignore' });
      await untilListening(port, 'redis-server');
    },
    async kill(signal = 'SIGKILL') {
      const child = redis.process;
      if (child === undefined || child.exitCode !== null) return;
      if (signal === 'SIGSTOP' || signal === 'SIGCONT') {
        child.kill(signal);
        return;
      }
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      await exited;
      redis.process = undefined;
    },
    cli(...command: string[]) {
      return spawnSync('redis-cli', ['-p', String(port), ...command], { encoding: 'utf8' }).stdout.trim();
    },
    snapshot() {
      if (redis.cli('SAVE') !== 'OK') throw new Error('redis SAVE failed');
      const copy = join(dir, `snapshot-${snapshots++}`);
      cpSync(join(dir, 'dump.rdb'), join(copy, 'dump.rdb'));
      if (existsSync(join(dir, 'appendonlydir'))) cpSync(join(dir, 'appendonlydir'), join(copy, 'appendonlydir'), { recursive: true });
      return copy;
    },
    async restartFrom(snapshot: string) {
      await redis.kill('SIGKILL');
      copyFileSync(join(snapshot, 'dump.rdb'), join(dir, 'dump.rdb'));
      if (existsSync(join(snapshot, 'appendonlydir'))) {
        rmSync(join(dir, 'appendonlydir'), { recursive: true, force: true });
        cpSync(join(snapshot, 'appendonlydir'), join(dir, 'appendonlydir'), { recursive: true });
      }
      await redis.restart();
    },
  };
  await redis.restart();
  after(async () => {
    redis.process?.kill('SIGCONT');
    await redis.kill();
    rmSync(dir, { recursive: true, force: true });
  });
  return redis;
}

/** A Switchboard server running as its own process (the `switchboard` CLI) on a shared Redis. */
export interface NodeProcess {
  port: number;
  url: string;
  http: string;
  /** Stops it gracefully (SIGTERM: sockets close with 1001, clients reconnect). */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
}

/**
 * Starts the built CLI (see built-cli.ts) with `--redis <url>` on a reserved port and waits for
 * its "listening" line. Stopped by an `after()` hook, which fails the test file if the process logged an unhandled promise rejection (see unhandled.ts).
 */
export async function startNode(redisUrl: string, extraArgs: string[] = []): Promise<NodeProcess> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  let errors = '';
  const node: NodeProcess = {
    port,
    url: `ws://127.0.0.1:${port}/`,
    http: `http://127.0.0.1:${port}`,
    async start() {
      const spawned = spawn(process.execPath, [builtCli(), '--port', String(port), '--host', '127.0.0.1', '--redis', redisUrl, '--log-level', 'error', ...extraArgs], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, SWITCHBOARD_REDIS_URL: '' },
      });
      child = spawned;
      // Shown as before, and kept for the teardown check.
      spawned.stderr!.on('data', (chunk: Buffer) => {
        process.stderr.write(chunk);
        errors += chunk.toString();
      });
      await new Promise<void>((resolve, reject) => {
        let out = '';
        spawned.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('listening')) resolve();
        });
        spawned.once('exit', (code) => reject(new Error(`node on ${port} exited with ${code} before listening: ${out}`)));
      });
    },
    async stop() {
      const running = child;
      if (running === undefined || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGTERM');
      await exited;
      child = undefined;
    },
  };
  await node.start();
  after(async () => {
    await node.stop();
    assertNoUnhandledRejections(errors, `node on ${port}`);
  });
  return node;
}

/**
 * Publishes the way docs/api.md tells a publisher to on the Redis engine: an answer of 121 (not
 * published) or 122 (outcome unknown: Redis did not answer within commandTimeoutMs, which a
 * starved test box can cause) is retried with the same idempotency key, so the publication is
 * made exactly once. For tests whose subject is not the publish itself.
 */
export async function publishSurely(server: { publish(topic: string, data: unknown, options?: { idempotencyKey?: string }): Promise<number> }, topic: string, data: unknown, idempotencyKey: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await server.publish(topic, data, { idempotencyKey });
    } catch (err) {
      const code = (err as { code?: number }).code;
      if ((code !== 121 && code !== 122) || attempt >= 20) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
