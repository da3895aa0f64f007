/**
 * Switchboard as `switchboard --workers N` (the real CLI and supervisor, bundled like every other
 * child) on one fixed free loopback port, sharing a Redis (redis-for-run.ts). The server options
 * are the single-process load-test server's (servers/switchboard.ts) written to a config file,
 * minus the `echo` RPC handler, which a config file cannot carry (so no rpc scenario on clusters).
 * Like that server it has the load-test Pusher app (servers/pusher-app.ts), so `switchboard:N`
 * and `switchboard-pusher` in one compare differ only in what they are meant to differ in.
 *
 * The supervisor's stdout is the source of its events (`worker 2 (pid 4711) ready`, `exited`,
 * `rolling restart done`); the processes to sample are read from /proc each time: the workers
 * are the supervisor's children (their slot from SWITCHBOARD_WORKER_ID in their environment).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildEntries, entryPath } from '../build.js';
import { nowUs } from '../generator/clock.js';
import { childPids, environOf, type ProcessRef } from './proc-stats.js';
import { freePort, redisForRun } from './redis-for-run.js';
import type { ClusterControl, ClusterEvent, ServerUnderTest } from './server-under-test.js';
import { LIMITS_OFF } from './servers/limits-off.js';
import { LOADTEST_PUSHER_APP } from './servers/pusher-app.js';
import { tether } from './tether.js';

/** How long the supervisor may take until every worker is ready. */
const START_TIMEOUT_MS = 30_000;
/** The env variable naming a worker's slot (src/server/cluster/messages.ts WORKER_ID_ENV). */
const WORKER_ID_ENV = 'SWITCHBOARD_WORKER_ID';

export interface ClusterSpec {
  workers: number;
  /** An existing loopback Redis, or undefined to start a private one. */
  redisUrl: string | undefined;
  /** The workers' drain window, ms. */
  drainMs: number;
  /** Frame coalescing window of the default namespace; 0 = off. */
  coalesceMs: number;
  /** Everything exits by itself after this long. */
  lifetimeS: number;
}

/** The load-test server options (see servers/switchboard.ts for why each), as a config file. */
function configFor(spec: ClusterSpec): Record<string, unknown> {
  return {
    ...(spec.coalesceMs > 0 ? { namespaces: { '': { coalesceMs: spec.coalesceMs } } } : {}),
    host: '127.0.0.1',
    clientPublish: true,
    logLevel: 'error',
    ...LIMITS_OFF,
    pusher: { apps: [{ ...LOADTEST_PUSHER_APP }] },
  };
}

const READY = /^supervisor: worker (\d+) \(pid (\d+)\) ready/;
const EXITED = /^supervisor: worker (\d+) \(pid (\d+)\) (exited|died)/;
const LISTENING = /^Switchboard listening on (\S+) with (\d+) workers \(pid (\d+) supervises\)/;
const UWS_BUILD = /^uWS build: (.*)$/;

/** Parses one supervisor line into an event (undefined for lines that are not one). */
export function clusterEvent(line: string, atUs: number): ClusterEvent | undefined {
  const ready = READY.exec(line);
  if (ready) return { atUs, type: 'ready', worker: ready[1], pid: Number(ready[2]), line };
  const exited = EXITED.exec(line);
  if (exited) return { atUs, type: exited[3] === 'died' ? 'died' : 'exited', worker: exited[1], pid: Number(exited[2]), line };
  if (line.startsWith('supervisor: rolling restart done')) return { atUs, type: 'restart-done', line };
  if (line.startsWith('supervisor: rolling restart stopped')) return { atUs, type: 'restart-stopped', line };
  return undefined;
}

/** Reads `switchboard_connections{worker="N"} <value>` lines of a /metrics text. */
export function connectionsFromMetrics(text: string): Record<string, number> {
  const byWorker: Record<string, number> = {};
  for (const match of text.matchAll(/^switchboard_connections\{(?:[^}]*,)?worker="([^"]+)"(?:,[^}]*)?\} (\d+(?:\.\d+)?)$/gm)) byWorker[match[1]!] = Number(match[2]);
  return byWorker;
}

/** Starts Redis (unless given) and the supervisor; resolves once every worker is ready. */
export async function launchCluster(spec: ClusterSpec): Promise<ServerUnderTest> {
  await buildEntries();
  const redis = await redisForRun(spec.redisUrl, spec.lifetimeS + 30);
  const dir = mkdtempSync(join(tmpdir(), 'loadtest-cluster-'));
  const config = join(dir, 'switchboard.config.json');
  writeFileSync(config, JSON.stringify(configFor(spec)));
  const port = await freePort();
  const env = { ...process.env };
  delete env[WORKER_ID_ENV];
  const args = [entryPath('switchboard-cli'), '--workers', String(spec.workers), '--port', String(port), '--host', '127.0.0.1', '--redis', redis.url, '--config', config, '--drain-ms', String(spec.drainMs)];
  const supervisor = tether(process.execPath, args, spec.lifetimeS, env);
  const events: ClusterEvent[] = [];
  const waiters = new Set<() => void>();
  let supervisorPid: number | undefined;
  let build = '';
  let listening!: () => void;
  const listened = new Promise<void>((resolve) => (listening = resolve));
  let pending = '';
  supervisor.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      const event = clusterEvent(line, nowUs());
      if (event !== undefined) {
        events.push(event);
        for (const wake of waiters) wake();
        continue;
      }
      const up = LISTENING.exec(line);
      if (up) {
        supervisorPid = Number(up[3]);
        listening();
        continue;
      }
      const uws = UWS_BUILD.exec(line);
      if (uws) build = uws[1]!;
      // A worker's error log is for the human running the harness; the supervisor's other lines
      // (signals it got) are the harness's own doing.
      else if (line.trim() !== '' && !line.startsWith('supervisor: ')) process.stderr.write(`[cluster] ${line}\n`);
    }
  });
  const stop = async () => {
    await supervisor.stop(spec.drainMs + 15_000);
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`switchboard --workers ${spec.workers} did not report listening within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
      void supervisor.exited.then(() => reject(new Error(`switchboard --workers ${spec.workers} exited before listening`)));
      void listened.then(() => (clearTimeout(timer), resolve()));
    });
  } catch (err) {
    await stop();
    throw err;
  }
  const pid = supervisorPid!;
  // Later output ('uWS build:') follows the listening line in the same write or the next one.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const control: ClusterControl = {
    workers: spec.workers,
    supervisorPid: pid,
    redisUrl: redis.url,
    drainMs: spec.drainMs,
    events,
    processes() {
      const refs: ProcessRef[] = [{ pid, role: 'supervisor', name: 'supervisor' }];
      for (const child of childPids(pid)) {
        const worker = environOf(child, WORKER_ID_ENV);
        if (worker !== undefined) refs.push({ pid: child, role: 'server', name: `worker ${worker}`, worker });
      }
      const redisPid = redis.pid();
      if (redisPid !== undefined) refs.push({ pid: redisPid, role: 'redis', name: 'redis-server' });
      return refs;
    },
    waitFor(match, from, timeoutMs, what) {
      return new Promise<ClusterEvent>((resolve, reject) => {
        const check = () => {
          const found = events.slice(from).find(match);
          if (found === undefined) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${what}: not seen within ${timeoutMs} ms`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    rollingRestart() {
      process.kill(pid, 'SIGHUP');
    },
    async connectionsByWorker() {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(10_000) });
        if (!res.ok) return undefined;
        return connectionsFromMetrics(await res.text());
      } catch {
        return undefined;
      }
    },
  };
  return {
    name: `switchboard:${spec.workers}`,
    build: `switchboard --workers ${spec.workers} on ${build || 'uWS'}, Redis ${redis.url}, Pusher app ${LOADTEST_PUSHER_APP.key}${spec.coalesceMs > 0 ? `, coalesceMs ${spec.coalesceMs}` : ''}`,
    host: '127.0.0.1',
    port,
    url: `ws://127.0.0.1:${port}/`,
    dialect: 'switchboard',
    pid,
    cluster: control,
    stop,
  };
}
