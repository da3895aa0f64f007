/**
 * Pusher clients for integration tests, unmodified third-party packages: pusher-js (the browser
 * and Node client Laravel Echo wraps) pointed at a test server, and the `pusher` Node server SDK
 * for the HTTP API. Exists so every Pusher test connects the same way and nothing is left open.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after } from 'node:test';
import PusherServer from 'pusher';
import PusherJs from 'pusher-js';

// pusher-js is CommonJS whose module.exports is the class, while its typings declare an ES
// `default` export: take the class as the runtime has it, with the typings' type.
type Pusher = InstanceType<typeof PusherJs.default>;
const Pusher = PusherJs as unknown as typeof PusherJs.default;

/** The one app the Pusher tests configure. */
export const APP = { id: 'app-1', key: 'app-key', secret: 'app-secret-0123456789', clientEvents: true } as const;

const open: Pusher[] = [];
after(() => open.forEach((client) => client.disconnect()));

/** The `pusher` server SDK for a test server (wrong `secret` to forge a bad signature). */
export function serverSdk(port: number, secret: string = APP.secret): PusherServer {
  return new PusherServer({ appId: APP.id, key: APP.key, secret, host: '127.0.0.1', port: String(port), useTLS: false });
}

/**
 * A small channel authorisation endpoint as an app backend would run it: signs with the `pusher`
 * SDK's own authorizeChannel (presence data from `?user=`), or refuses with 403 for `?deny=1`.
 * It answers any origin (CORS), so browser pages served from another port can use it.
 */
export async function startAuthEndpoint(sdk: PusherServer): Promise<string> {
  const server: HttpServer = createServer((req, res) => {
    // pusher-js posts a form without custom headers (a "simple" request, no preflight), but a page
    // that adds auth headers triggers one: answer both.
    res.setHeader('access-control-allow-origin', '*');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'access-control-allow-methods': 'POST', 'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '' }).end();
      return;
    }
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const form = new URLSearchParams(body);
      if (url.searchParams.get('deny') === '1') {
        res.writeHead(403).end('forbidden');
        return;
      }
      const user = url.searchParams.get('user');
      const channel = form.get('channel_name') ?? '';
      const presence = user !== null && channel.startsWith('presence-') ? { user_id: user, user_info: { name: `User ${user}` } } : undefined;
      const auth = sdk.authorizeChannel(form.get('socket_id') ?? '', channel, presence);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(auth));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => new Promise((resolve) => server.close(resolve)));
  const { port } = server.address() as { port: number };
  return `http://127.0.0.1:${port}/auth`;
}

/** A pusher-js client connected to the test server over plain WebSocket only. */
export function pusherClient(port: number, options: { authEndpoint?: string; key?: string } = {}): Pusher {
  const client = new Pusher(options.key ?? APP.key, {
    cluster: 'mt1',
    wsHost: '127.0.0.1',
    wsPort: port,
    forceTLS: false,
    enabledTransports: ['ws'],
    disableStats: true,
    channelAuthorization: { endpoint: options.authEndpoint ?? 'http://127.0.0.1:1/auth', transport: 'ajax' },
  });
  open.push(client);
  return client;
}

/** Resolves once the client is connected (with its socket id). */
export function connected(client: Pusher): Promise<string> {
  return new Promise((resolve, reject) => {
    if (client.connection.state === 'connected') return resolve(client.connection.socket_id);
    client.connection.bind('connected', () => resolve(client.connection.socket_id));
    client.connection.bind('failed', () => reject(new Error('pusher-js connection failed')));
  });
}

/** Resolves with the next occurrence of `event` on a channel (or on the connection when channel is undefined). */
export function next(client: Pusher, channel: string, event: string): Promise<any> {
  return new Promise((resolve) => {
    const bound = client.channel(channel) ?? client.subscribe(channel);
    const handler = (data: unknown) => {
      bound.unbind(event, handler);
      resolve(data);
    };
    bound.bind(event, handler);
  });
}

/** Subscribes and resolves when subscription_succeeded arrives (rejects on subscription_error). */
export function subscribed(client: Pusher, channel: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const bound = client.subscribe(channel);
    bound.bind('pusher:subscription_succeeded', resolve);
    bound.bind('pusher:subscription_error', (error: unknown) => reject(Object.assign(new Error('subscription_error'), { detail: error })));
  });
}

/** A request the `pusher` SDK signed, as it left the SDK. */
export interface SignedRequest {
  method: string;
  url: string;
  body: string;
}

/**
 * Requests the `pusher` SDK signs while `run` uses it, recorded by a loopback HTTP server instead
 * of reaching Switchboard: what an eavesdropper would hold, for replay and tampering tests.
 */
export async function captureSigned(run: (sdk: PusherServer) => Promise<unknown>): Promise<SignedRequest[]> {
  const captured: SignedRequest[] = [];
  const recorder = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      captured.push({ method: req.method ?? 'GET', url: req.url ?? '/', body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
  try {
    await run(serverSdk((recorder.address() as AddressInfo).port));
  } finally {
    await new Promise((resolve) => recorder.close(resolve));
  }
  return captured;
}
