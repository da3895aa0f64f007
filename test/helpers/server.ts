/**
 * Starts a real Switchboard server on an ephemeral loopback port for one test, with logs silenced.
 * Every integration test goes through this so ports never collide and servers are always closed.
 */
import { connect } from 'node:net';
import { after } from 'node:test';
import { createServer, type Server, type ServerOptions } from '../../src/server/index.js';
import { reservePort } from '../../loadtest/targets/ports.js';

export interface TestServer {
  server: Server;
  port: number;
  /** `ws://127.0.0.1:<port>/` */
  url: string;
  /** `http://127.0.0.1:<port>` */
  http: string;
}

/**
 * Starts a server, closed by an `after()` hook registered here. Call it at file or describe level
 * (or inside a test), not inside `before()`: there the `after()` would belong to the hook and close
 * the server as soon as the hook ends.
 */
export async function startServer(options: Partial<ServerOptions> = {}): Promise<TestServer> {
  const server = createServer({ logLevel: 'silent', ...options, port: options.port ?? 0, host: '127.0.0.1' });
  const { port } = await server.listen();
  after(() => server.close());
  return { server, port, url: `ws://127.0.0.1:${port}/`, http: `http://127.0.0.1:${port}` };
}

/** POSTs a JSON body to the HTTP API. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true (or throws after `timeoutMs`). For waiting on server-side state. */
export async function waitFor(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/**
 * A loopback port reserved for this test process (loadtest/targets/ports.ts): for a process the test starts
 * itself on a port it names, or a server that must come back on the same port.
 */
export const freePort = reservePort;

/**
 * Waits until something accepts TCP connections on 127.0.0.1:`port` (a redis-server, an nginx the
 * tests started), up to 10 s; fails early when `gone()` says the process already exited.
 */
export async function untilListening(port: number, what: string, gone: () => boolean = () => false): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.end(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (gone() || Date.now() > deadline) throw new Error(`${what} did not listen on ${port}`);
    await sleep(20);
  }
}
