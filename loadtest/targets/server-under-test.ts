/**
 * The server a scenario measures: either a fresh child process the harness starts (so it can read
 * the server's RSS and CPU from /proc), or an already running server given by `--target` (then
 * resources are only known with `--server-pid`). Targets must be loopback: the harness never loads
 * a machine it is not running on.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { buildEntries, entryPath } from '../build.js';
import type { DialectName } from '../dialects/dialect.js';
import type { ProcessRef } from './proc-stats.js';
import type { ListeningMessage } from './servers/entry.js';

/** Servers the harness can start. */
// `switchboard-pusher` is the switchboard server (with its Pusher app) loaded by Pusher-protocol subscribers.
export const SERVER_KINDS = ['switchboard', 'uws', 'relay', 'ws', 'socketio', 'switchboard-pusher'] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

/**
 * A server to start: a kind, or `switchboard:N` for Switchboard as N worker processes sharing the
 * port (`switchboard --workers N` on Redis; loadtest/targets/cluster-under-test.ts). Plain `switchboard`
 * is one process with the in-memory engine; `switchboard:1` is one worker behind a supervisor, on
 * Redis: comparing the two shows what the Redis engine costs.
 */
export type ServerSpec = ServerKind | `switchboard:${number}`;

/** Most workers a cluster under test may have. */
export const MAX_SERVER_WORKERS = 64;

/** The kind and worker count (0: a single process, no supervisor) of a spec. */
export function splitServerSpec(spec: ServerSpec): { kind: ServerKind; workers: number } {
  const match = /^switchboard:(\d+)$/.exec(spec);
  return match ? { kind: 'switchboard', workers: Number(match[1]) } : { kind: spec as ServerKind, workers: 0 };
}

/** Parses `kind` or `switchboard:N`; throws naming the flag. */
export function parseServerSpec(flag: string, text: string): ServerSpec {
  const [kind, workers, ...rest] = text.split(':');
  if (!(SERVER_KINDS as readonly string[]).includes(kind!) || rest.length > 0) throw new Error(`--${flag}: unknown server "${text}" (one of ${SERVER_KINDS.join(', ')}, or switchboard:<workers>)`);
  if (workers === undefined) return kind as ServerKind;
  if (kind !== 'switchboard') throw new Error(`--${flag}: only switchboard runs as workers, not ${kind}`);
  if (!/^\d+$/.test(workers) || Number(workers) < 1 || Number(workers) > MAX_SERVER_WORKERS) throw new Error(`--${flag}: switchboard:<workers> needs 1 to ${MAX_SERVER_WORKERS} workers, got "${workers}"`);
  return `switchboard:${Number(workers)}`;
}

export interface ServerUnderTest {
  /** `switchboard`, `uws`, … or `target` for --target. */
  name: string;
  /** What is serving, as the server reported it. */
  build: string;
  host: string;
  port: number;
  url: string;
  dialect: DialectName;
  /** Process to sample, when known (a cluster's supervisor: see `cluster`). */
  pid: number | undefined;
  /** Set for `switchboard --workers N` (loadtest/targets/cluster-under-test.ts). */
  cluster?: ClusterControl;
  stop(): Promise<void>;
}

/** Something the supervisor of a cluster said, stamped on the harness's monotonic clock (µs). */
export interface ClusterEvent {
  atUs: number;
  type: 'ready' | 'exited' | 'died' | 'restart-done' | 'restart-stopped';
  /** Worker slot (`1`…`N`) and pid, for worker events. */
  worker?: string;
  pid?: number;
  /** The supervisor's line. */
  line: string;
}

/** What a scenario can see and do with a cluster under test beyond a single process. */
export interface ClusterControl {
  /** Workers the supervisor runs. */
  workers: number;
  supervisorPid: number;
  redisUrl: string;
  /** The workers' drain window (`--drain-ms`). */
  drainMs: number;
  /** Processes to sample now: every live worker (role `server`), the supervisor, redis-server. */
  processes(): ProcessRef[];
  /** Everything the supervisor reported so far, in order. */
  readonly events: readonly ClusterEvent[];
  /** The first event from index `from` on that matches, waiting for it up to `timeoutMs`. */
  waitFor(match: (event: ClusterEvent) => boolean, from: number, timeoutMs: number, what: string): Promise<ClusterEvent>;
  /** SIGHUP to the supervisor: replaces the workers one at a time. */
  rollingRestart(): void;
  /** Open connections per worker slot, from the box's /metrics (`switchboard_connections{worker}`); undefined when the scrape fails. */
  connectionsByWorker(): Promise<Record<string, number> | undefined>;
}

const START_TIMEOUT_MS = 15_000;

/** Node flags every server under test starts with, space-separated (e.g. `--no-memory-reducer`); none by default. */
export const SERVER_NODE_FLAGS_ENV = 'SWITCHBOARD_LOADTEST_SERVER_NODE_FLAGS';

// Every server kind gets the same flags, so a comparison stays a comparison of servers.
function serverNodeFlags(): string[] {
  return (process.env[SERVER_NODE_FLAGS_ENV] ?? '').split(/\s+/).filter((flag) => flag !== '');
}

/** Starts a server kind as a child process on a free loopback port; it exits by itself after `lifetimeS`. */
export async function launchServer(kind: ServerKind, lifetimeS: number): Promise<ServerUnderTest> {
  await buildEntries();
  const child: ChildProcess = fork(entryPath(kind), ['--lifetime', String(Math.ceil(lifetimeS))], {
    execArgv: serverNodeFlags(),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const listening = await new Promise<ListeningMessage>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind} server did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    child.once('message', (message: ListeningMessage) => {
      clearTimeout(timer);
      resolve(message);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${kind} server exited with ${code} before listening`));
    });
  }).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  return {
    name: kind,
    build: listening.build,
    host: '127.0.0.1',
    port: listening.port,
    url: `ws://127.0.0.1:${listening.port}/`,
    dialect: dialectOf(kind),
    pid: child.pid,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** How the generator speaks to a server kind. */
export function dialectOf(kind: ServerKind): DialectName {
  return kind === 'socketio' ? 'socketio' : kind === 'relay' ? 'relay' : kind === 'switchboard-pusher' ? 'pusher' : 'switchboard';
}

/** True for 127.0.0.0/8, ::1 and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

/**
 * Parses the URL an option names, refusing any other scheme than `protocol` and any host that is
 * not loopback: the harness only loads, and only uses, services on the machine it runs on.
 */
export function loopbackUrl(option: string, url: string, protocol: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${option}: not a URL: ${url}`);
  }
  if (parsed.protocol !== protocol) throw new Error(`${option}: only ${protocol}// URLs are supported, got ${parsed.protocol}`);
  if (!isLoopbackHost(parsed.hostname)) throw new Error(`${option}: refusing ${parsed.hostname}: the harness only uses services on this machine (127.0.0.0/8, ::1, localhost)`);
  return parsed;
}

/** An already running server. Refuses anything but a loopback ws:// URL. */
export function attachTarget(url: string, pid: number | undefined, dialect: DialectName): ServerUnderTest {
  const parsed = loopbackUrl('--target', url, 'ws:');
  const host = parsed.hostname === 'localhost' ? '127.0.0.1' : parsed.hostname.replace(/^\[|\]$/g, '');
  return {
    name: 'target',
    build: url,
    host,
    port: Number(parsed.port || 80),
    url,
    dialect,
    pid,
    stop: async () => {},
  };
}
