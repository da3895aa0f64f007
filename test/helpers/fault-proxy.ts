/**
 * A TCP proxy on loopback between a Switchboard node and its Redis, for faults that a Redis
 * process cannot produce by itself: a NAT or load balancer that silently black-holes a connection
 * (no error, no close: bytes just vanish), added latency, or a reset. Each connection can be
 * targeted on its own by what its client sent first (ioredis sends `CLIENT SETNAME <name>` first,
 * so `switchboard-sub` picks the subscriber connection), so one path can fail while the other works.
 * Closed by an `after()` hook.
 */
import { createServer, connect, type Socket } from 'node:net';
import { after } from 'node:test';

/** What the proxy does with the bytes of a connection. */
export type FaultMode =
  | { kind: 'pass' }
  /** Keeps both sockets open and drops every byte, both ways. */
  | { kind: 'black-hole' }
  /** Delays every chunk by `ms`, both ways (order kept). */
  | { kind: 'latency'; ms: number }
  /** Destroys both sockets (an RST to the client) as soon as the rule applies. */
  | { kind: 'reset' };

/** One proxied connection. */
export interface ProxiedConnection {
  /** The first bytes (up to 1 KiB) the client sent, as latin1: identifies the connection. */
  readonly hello: string;
  readonly closed: boolean;
}

export interface FaultProxy {
  /** The port to connect to instead of Redis's. */
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly connections: readonly ProxiedConnection[];
  /**
   * Applies `mode` to every connection `match` accepts, current and future (a connection is
   * matched on its `hello` whenever a chunk passes). Rules set later win. Without `match`: all.
   */
  set(mode: FaultMode, match?: (connection: ProxiedConnection) => boolean): void;
  /** Back to `pass` for everything. */
  heal(): void;
}

interface Rule {
  readonly mode: FaultMode;
  readonly match: (connection: ProxiedConnection) => boolean;
}

interface Pair extends ProxiedConnection {
  hello: string;
  closed: boolean;
  readonly client: Socket;
  readonly upstream: Socket;
}

const HELLO_BYTES = 1024;

/** Starts a proxy to 127.0.0.1:`targetPort` on a free loopback port. */
export async function startFaultProxy(targetPort: number): Promise<FaultProxy> {
  let rules: Rule[] = [];
  const pairs: Pair[] = [];

  const modeOf = (pair: Pair): FaultMode => {
    for (let i = rules.length - 1; i >= 0; i--) if (rules[i]!.match(pair)) return rules[i]!.mode;
    return { kind: 'pass' };
  };

  const forward = (pair: Pair, to: Socket, chunk: Buffer) => {
    const mode = modeOf(pair);
    if (mode.kind === 'black-hole') return;
    if (mode.kind === 'reset') return close(pair);
    if (mode.kind === 'latency') {
      const timer = setTimeout(() => to.destroyed || to.write(chunk), mode.ms);
      timer.unref();
      return;
    }
    if (!to.destroyed) to.write(chunk);
  };

  const close = (pair: Pair) => {
    pair.closed = true;
    pair.client.destroy();
    pair.upstream.destroy();
  };

  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    const pair: Pair = { hello: '', closed: false, client, upstream };
    pairs.push(pair);
    client.on('data', (chunk: Buffer) => {
      if (pair.hello.length < HELLO_BYTES) pair.hello += chunk.subarray(0, HELLO_BYTES - pair.hello.length).toString('latin1');
      forward(pair, upstream, chunk);
    });
    upstream.on('data', (chunk: Buffer) => forward(pair, client, chunk));
    // A black-holed connection stays open however its ends behave: only an explicit close ends it.
    for (const socket of [client, upstream]) {
      socket.on('error', () => close(pair));
      socket.on('close', () => {
        if (modeOf(pair).kind !== 'black-hole') close(pair);
        else if (socket === client) close(pair); // the node itself gave up on it
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  after(async () => {
    for (const pair of pairs) close(pair);
    await new Promise((resolve) => server.close(resolve));
  });

  const proxy: FaultProxy = {
    port,
    url: `redis://127.0.0.1:${port}`,
    connections: pairs,
    set(mode, match = () => true) {
      rules.push({ mode, match });
      if (mode.kind === 'reset') for (const pair of pairs) if (!pair.closed && match(pair)) close(pair);
    },
    heal() {
      rules = [];
    },
  };
  return proxy;
}
