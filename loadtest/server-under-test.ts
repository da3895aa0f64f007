/**
 * The server a scenario measures: either a fresh child process the harness starts (so it can read
 * the server's RSS and CPU from /proc), or an already running server given by `--target` (then
 * resources are only known with `--server-pid`). Targets must be loopback: the harness never loads
 * a machine it is not running on.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { buildEntries, entryPath } from './build.js';
import type { DialectName } from './dialect.js';
import type { ListeningMessage } from './servers/entry.js';

/** Servers the harness can start. */
// `switchboard-pusher` is the switchboard server (with its Pusher app) loaded by Pusher-protocol subscribers.
export const SERVER_KINDS = ['switchboard', 'uws', 'relay', 'ws', 'socketio', 'switchboard-pusher'] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

export interface ServerUnderTest {
  /** `switchboard`, `uws`, … or `target` for --target. */
  name: string;
  /** What is serving, as the server reported it. */
  build: string;
  host: string;
  port: number;
  url: string;
  dialect: DialectName;
  /** Process to sample, when known. */
  pid: number | undefined;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 15_000;

/** Starts a server kind as a child process on a free loopback port; it exits by itself after `lifetimeS`. */
export async function launchServer(kind: ServerKind, lifetimeS: number): Promise<ServerUnderTest> {
  await buildEntries();
  const child: ChildProcess = fork(entryPath(kind), ['--lifetime', String(Math.ceil(lifetimeS))], {
    execArgv: [],
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

/** An already running server. Refuses anything but a loopback ws:// URL. */
export function attachTarget(url: string, pid: number | undefined, dialect: DialectName): ServerUnderTest {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`--target: not a URL: ${url}`);
  }
  if (parsed.protocol !== 'ws:') throw new Error(`--target: only ws:// URLs are supported, got ${parsed.protocol}`);
  if (!isLoopbackHost(parsed.hostname)) {
    throw new Error(`--target: refusing ${parsed.hostname}: the harness only loads servers on this machine (127.0.0.0/8, ::1, localhost)`);
  }
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
