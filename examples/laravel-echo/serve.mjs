#!/usr/bin/env node
/**
 * A stand-in for the Laravel app, so the example runs without PHP: it reads .env.example the way
 * Laravel reads .env, bundles resources/js/app.js the way Vite does (import.meta.env holds the
 * VITE_ values), serves the page, and answers the two requests a Laravel app answers for Echo:
 *
 *   POST /broadcasting/auth   what Broadcast::routes() registers: CSRF check, the channel rules of
 *                             routes/channels.php (see README.md), a signature from the Pusher SDK
 *   POST /orders/:id/ship     what `OrderShipped::dispatch($order)` does: one Pusher HTTP API
 *                             request, event "App\Events\OrderShipped", data the event's public
 *                             properties
 *
 * Run: `node examples/laravel-echo/serve.mjs` (env DEMO_PORT, default 8000; any .env key, e.g.
 * PUSHER_PORT, overrides the file as real environment variables do in Laravel).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseEnv } from 'node:util';
import { build } from 'esbuild';
import Pusher from 'pusher';

const HERE = new URL('./', import.meta.url);

/** The demo's users; `?user=<id>` on the page signs in as one (a session cookie remembers it). */
export const USERS = new Map([
  [1, 'Alice'],
  [2, 'Bob'],
  [3, 'Carol'],
]);

/**
 * The .env.example values with `overrides` applied as phpdotenv applies real environment
 * variables: a variable that is set wins over the file, also inside `${NAME}` references.
 * @param {Record<string, string | undefined>} overrides
 * @returns {Record<string, string>}
 */
export function loadEnv(overrides = process.env) {
  const file = parseEnv(readFileSync(new URL('.env.example', HERE), 'utf8'));
  /** @type {Record<string, string>} */
  const env = {};
  for (const [name, value] of Object.entries(file)) {
    env[name] = overrides[name] ?? value.replace(/\$\{(\w+)\}/g, (_, ref) => overrides[ref] ?? env[ref] ?? '');
  }
  return env;
}

/**
 * Bundles resources/js/app.js for the browser as Vite would for Laravel: `import.meta.env` is the
 * VITE_ values, the only ones Vite exposes to client code.
 * @param {Record<string, string>} env
 */
async function bundleApp(env) {
  const vite = Object.fromEntries(Object.entries(env).filter(([name]) => name.startsWith('VITE_')));
  const result = await build({
    entryPoints: [fileURLToPath(new URL('resources/js/app.js', HERE))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    define: { 'import.meta.env': JSON.stringify(vite) },
    write: false,
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (output === undefined) throw new Error('the app bundle produced no output');
  return output.text;
}

/**
 * routes/channels.php: whether `user` may join `channel` (the name without private-/presence-,
 * as Laravel matches it), and for presence channels the member info Laravel's callback returns.
 * @param {{ id: number, name: string }} user
 * @param {string} channel
 * @returns {false | true | { id: number, name: string }}
 */
function authorizeChannel(user, channel) {
  const privateUser = /^user\.(\d+)$/.exec(channel);
  if (privateUser !== null) return Number(privateUser[1]) === user.id;
  if (/^room\.\d+$/.test(channel)) return { id: user.id, name: user.name };
  return false;
}

/**
 * @typedef {object} DemoOptions
 * @property {number} [port] HTTP port; 0 picks a free one. @default env DEMO_PORT, else 8000
 * @property {string} [host] Interface to bind. @default '127.0.0.1'
 * @property {Record<string, string | undefined>} [env] Values that win over .env.example. @default process.env
 */

/**
 * Starts the demo app; resolves once it listens.
 * @param {DemoOptions} options
 */
export async function startDemo(options = {}) {
  const overrides = options.env ?? process.env;
  const env = loadEnv(overrides);
  // config/broadcasting.php's `pusher` connection, built from the same .env values.
  const pusher = new Pusher({
    appId: env.PUSHER_APP_ID ?? '',
    key: env.PUSHER_APP_KEY ?? '',
    secret: env.PUSHER_APP_SECRET ?? '',
    host: env.PUSHER_HOST,
    port: env.PUSHER_PORT,
    useTLS: env.PUSHER_SCHEME === 'https',
  });
  const appJs = await bundleApp(env);
  const page = readFileSync(new URL('index.html', HERE), 'utf8');
  /** @type {Map<string, { userId: number, csrf: string }>} */
  const sessions = new Map();

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const cookie = /(?:^|;\s*)demo_session=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    let session = cookie === undefined ? undefined : sessions.get(cookie);

    if (req.method === 'GET' && url.pathname === '/') {
      // One session per browser, as Laravel keeps it: tabs share it, `?user=` signs in as another user.
      const id = session === undefined ? randomBytes(16).toString('hex') : /** @type {string} */ (cookie);
      const wanted = Number(url.searchParams.get('user') ?? session?.userId ?? 1);
      session = { userId: USERS.has(wanted) ? wanted : 1, csrf: session?.csrf ?? randomBytes(16).toString('hex') };
      sessions.set(id, session);
      const html = page
        .replaceAll('{{ csrf_token() }}', session.csrf)
        .replaceAll('{{ $user->id }}', String(session.userId))
        .replaceAll('{{ $user->name }}', escapeHtml(USERS.get(session.userId) ?? ''));
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'set-cookie': `demo_session=${id}; Path=/; HttpOnly; SameSite=Lax` }).end(html);
      return;
    }
    if (req.method === 'GET' && url.pathname === '/js/app.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(appJs);
      return;
    }
    const ship = /^\/orders\/(\d+)\/ship$/.exec(url.pathname);
    if (req.method !== 'POST' || (url.pathname !== '/broadcasting/auth' && ship === null)) return void res.writeHead(404).end();
    // The web middleware's CSRF check (VerifyCsrfToken) comes first: 419 without the page's token.
    if (session === undefined || req.headers['x-csrf-token'] !== session.csrf) return void res.writeHead(419).end('CSRF token mismatch.');
    const user = { id: session.userId, name: USERS.get(session.userId) ?? '' };

    readBody(req).then(async (body) => {
      if (ship === null) {
        const form = new URLSearchParams(body);
        const socketId = form.get('socket_id') ?? '';
        const channel = form.get('channel_name') ?? '';
        const allowed = authorizeChannel(user, channel.replace(/^(private-|presence-)/, ''));
        if (allowed === false) return void res.writeHead(403).end();
        // Laravel sends the user's auth identifier as is: a number for the usual integer ids.
        const presence = channel.startsWith('presence-') && typeof allowed === 'object' ? { user_id: user.id, user_info: allowed } : undefined;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(pusher.authorizeChannel(socketId, channel, presence)));
        return;
      }
      await pusher.trigger('orders', 'App\\Events\\OrderShipped', { order: { id: Number(ship[1]) } });
      res.writeHead(204).end();
    }).catch((/** @type {Error} */ err) => {
      // Switchboard down or refusing the signature: say so instead of leaving the request hanging.
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(`broadcast failed: ${err.message}`);
    });
  });

  await new Promise((resolve) => server.listen(options.port ?? Number(overrides.DEMO_PORT ?? 8000), options.host ?? '127.0.0.1', () => resolve(undefined)));
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    origin: `http://${address.address}:${address.port}`,
    env,
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve(undefined)));
      }),
  };
}

/** @param {import('node:http').IncomingMessage} req */
function readBody(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

/** @param {string} text */
function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const runDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;

if (runDirectly) {
  const demo = await startDemo();
  console.log(`Demo app on ${demo.origin}/ (Echo connects to ws://${demo.env.VITE_PUSHER_HOST}:${demo.env.VITE_PUSHER_PORT}, app key ${demo.env.VITE_PUSHER_APP_KEY})`);
  const stop = () => void demo.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
