/**
 * Loads uWebSockets.js: finds a native build, says which one loaded and what it can do. Only the
 * files of src/server/uws/ use the types re-exported here; the rest of the server talks to the
 * interfaces of transport/.
 *
 * Upstream uWS.js ships from GitHub only, so we try, in order: the module named by
 * SWITCHBOARD_UWS_MODULE; `uWebSockets.js` (installed from GitHub by the user);
 * `@btc-vision/uwebsockets.js` (v20.57, glibc >= 2.38, TLS + compression);
 * `@trufflesuite/uws-js-unofficial` (v20.30, Node <= 20, no TLS/compression). We refuse the slow
 * `ws`-based shim that the trufflesuite package silently falls back to.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as Uws from '@btc-vision/uwebsockets.js';

export type {
  TemplatedApp,
  WebSocket,
  WebSocketBehavior,
  HttpRequest,
  HttpResponse,
  us_listen_socket as ListenSocket,
  us_socket_context_t as SocketContext,
} from '@btc-vision/uwebsockets.js';

/** The uWS module's shape (App, SSLApp, us_listen_socket_close, …). */
export type UwsModule = typeof Uws;

/** Which uWS build loaded and what it supports. */
export interface UwsBinding {
  /** Package (or path) the binding was loaded from. */
  readonly name: string;
  /** uWS.js version, e.g. `20.57.0`. */
  readonly version: string;
  /** Whether SSLApp works in this build. */
  readonly tls: boolean;
  /** Whether permessage-deflate works in this build. */
  readonly compression: boolean;
  /** Builds tried before this one, with why each failed to load. */
  readonly skipped: readonly string[];
  readonly uws: UwsModule;
}

const require = createRequire(import.meta.url);

/** One place a uWS build may be loaded from. */
export interface Candidate {
  name: string;
  load: () => { uws: UwsModule; version: string };
  tls: boolean;
  compression: boolean;
}

// A native build's App is a C++ function; the trufflesuite shim's is plain JavaScript.
export function assertNative(uws: UwsModule, name: string): UwsModule {
  if (typeof uws?.App !== 'function' || !/\[native code\]/.test(Function.prototype.toString.call(uws.App))) {
    throw new Error(`${name} is not a native uWS build (refusing the ws-based fallback)`);
  }
  return uws;
}

function packageVersion(packageName: string): string {
  try {
    const pkg = require(`${packageName}/package.json`) as { version?: string };
    return (pkg.version ?? 'unknown').replace(/-unofficial.*$/, '');
  } catch {
    return 'unknown';
  }
}

function loadPackage(name: string): { uws: UwsModule; version: string } {
  return { uws: assertNative(require(name) as UwsModule, name), version: packageVersion(name) };
}

function loadTrufflesuite(): { uws: UwsModule; version: string } {
  const name = '@trufflesuite/uws-js-unofficial';
  // Load the binary for this platform and Node ABI directly: the package's own entry point falls
  // back to a slow ws-based shim when the binary does not fit, and we must never run on that.
  const root = dirname(require.resolve(`${name}/package.json`));
  const file = join(root, 'binaries', `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`);
  return { uws: assertNative(require(file) as UwsModule, name), version: packageVersion(name) };
}

function candidates(): Candidate[] {
  const list: Candidate[] = [];
  const custom = process.env.SWITCHBOARD_UWS_MODULE;
  if (custom) {
    const known = custom.includes('trufflesuite');
    list.push({ name: custom, load: () => (known ? loadTrufflesuite() : loadPackage(custom)), tls: !known, compression: !known });
  }
  list.push(
    { name: 'uWebSockets.js', load: () => loadPackage('uWebSockets.js'), tls: true, compression: true },
    { name: '@btc-vision/uwebsockets.js', load: () => loadPackage('@btc-vision/uwebsockets.js'), tls: true, compression: true },
    { name: '@trufflesuite/uws-js-unofficial', load: loadTrufflesuite, tls: false, compression: false },
  );
  return list;
}

let cached: UwsBinding | undefined;

/**
 * Loads the first uWS build that works on this machine (cached). Throws one Error listing every
 * attempt and what to install when none does.
 */
export function loadUws(): UwsBinding {
  cached ??= loadFirst(candidates());
  return cached;
}

/** Loads the first candidate that works; throws the install advice when none does. */
export function loadFirst(list: readonly Candidate[]): UwsBinding {
  const failures: string[] = [];
  for (const candidate of list) {
    try {
      const { uws, version } = candidate.load();
      return { name: candidate.name, version, tls: candidate.tls, compression: candidate.compression, skipped: failures, uws };
    } catch (err) {
      failures.push(`${candidate.name}: ${firstLine(err)}`);
    }
  }
  throw new Error(
    [
      'Switchboard could not load a native uWebSockets.js build. Tried:',
      ...failures.map((failure) => `  - ${failure}`),
      'Install one of:',
      '  npm install @btc-vision/uwebsockets.js@20.57.0             (Node 20-25, glibc >= 2.38: Debian 13, Ubuntu 24.04)',
      '  npm install @trufflesuite/uws-js-unofficial@20.30.0-unofficial.0  (Node 16-20, glibc >= 2.27: Debian 12)',
      '  npm install uNetworking/uWebSockets.js#v20.57.0             (upstream, from GitHub)',
      'or point SWITCHBOARD_UWS_MODULE at a module that exports uWS.js.',
    ].join('\n'),
  );
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  // Loader errors wrap the real cause (e.g. a missing GLIBC version) on later lines: keep them all.
  const oneLine = text.split('\n').map((line) => line.trim()).filter((line) => line !== '').join(' | ');
  return oneLine.length > 400 ? `${oneLine.slice(0, 400)}…` : oneLine;
}

/** One-line description for logs: `@trufflesuite/uws-js-unofficial 20.30.0 (tls: no, compression: no)`. */
export function describeUws(binding: UwsBinding): string {
  const yes = (flag: boolean) => (flag ? 'yes' : 'no');
  return `${binding.name} ${binding.version} (tls: ${yes(binding.tls)}, compression: ${yes(binding.compression)})`;
}

/** The port a listen socket is bound to. */
export function listenPort(binding: UwsBinding, socket: Uws.us_listen_socket): number {
  return binding.uws.us_socket_local_port(socket as unknown as Uws.us_socket);
}

/** Listens with LIBUS_LISTEN_EXCLUSIVE_PORT (no SO_REUSEPORT sharing); the callback gets false on failure. */
export function listenExclusive(
  binding: UwsBinding,
  app: Uws.TemplatedApp,
  host: string,
  port: number,
  callback: (socket: Uws.us_listen_socket | false) => void,
): void {
  // uWS.js accepts (host, port, options, cb); its .d.ts only declares the options form without host.
  const listen = app.listen as unknown as (host: string, port: number, options: number, cb: typeof callback) => void;
  const exclusive = (binding.uws as { LIBUS_LISTEN_EXCLUSIVE_PORT?: number }).LIBUS_LISTEN_EXCLUSIVE_PORT ?? 1;
  listen.call(app, host, port, exclusive, callback);
}

/** Stops accepting connections on a listen socket. */
export function closeListenSocket(binding: UwsBinding, socket: Uws.us_listen_socket): void {
  binding.uws.us_listen_socket_close(socket);
}
