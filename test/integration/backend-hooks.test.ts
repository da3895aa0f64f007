/**
 * Backend hooks end to end: a real server whose connect, subscribe, publish and rpc decisions are
 * made by examples/php/auth-hook.php under `php -S`, with raw WebSocket clients that do or do not
 * carry the PHP session cookie. Wire numbers (close codes, error codes) are written out as in
 * docs/protocol.md, not taken from our constants. Skips visibly without PHP; fails under CI.
 */
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { pino } from 'pino';
import type { ServerOptions } from '../../src/server/index.js';
import { startCli } from '../helpers/cli-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { phpMissing, startPhpServer, type PhpServer } from '../helpers/php-server.js';
import { skipOrFailWithout } from '../helpers/requirements.js';
import { freePort, startServer, waitFor } from '../helpers/server.js';
import { upgradeStatus } from '../helpers/upgrade.js';

const SCRIPT = fileURLToPath(new URL('../../examples/php/auth-hook.php', import.meta.url));
const SECRET = 'backend-hooks-test-secret';
const cookie = (session: string) => ({ cookie: `theme=dark; app_session=${session}` });

/** Backend settings for a PHP base URL, as SWITCHBOARD_BACKEND_URL would give them. */
const backendAt = (base: string, secret = SECRET) => ({
  connectUrl: `${base}/connect`,
  subscribeUrl: `${base}/subscribe`,
  publishUrl: `${base}/publish`,
  rpcUrl: `${base}/rpc`,
  headers: { 'X-Switchboard-Secret': secret },
});

/** The example's own namespaces file, the one the README's quick start passes with --config. */
const CONFIG_FILE = 'examples/php/switchboard.config.json';
const NAMESPACES = (JSON.parse(readFileSync(fileURLToPath(new URL(`../../${CONFIG_FILE}`, import.meta.url)), 'utf8')) as { namespaces: NonNullable<ServerOptions['namespaces']> }).namespaces;

describe('backend hooks with the PHP example', async () => {
  let php: PhpServer | undefined;
  if (!phpMissing) php = await startPhpServer(SCRIPT, { SWITCHBOARD_BACKEND_SECRET: SECRET });
  const base = php?.base ?? 'http://127.0.0.1:9';
  const logLines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'error' }, { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) });
  const { url, server } = await startServer({ backend: backendAt(base), namespaces: NAMESPACES, rpc: { ping: () => 'pong' }, logger });
  const clients: RawClient[] = [];
  after(() => clients.forEach((client) => client.close()));
  const connectAs = async (session: string) => {
    const client = await RawClient.connect(url, { headers: cookie(session) });
    clients.push(client);
    return client;
  };
  let nextId = 1;
  const request = async (client: RawClient, frame: Record<string, unknown>) => {
    const id = nextId++;
    client.send({ ...frame, id } as never);
    return client.answer(id);
  };

  test('a known session connects with the user id, claims and info the backend gave', async (t) => {
    if (skipOrFailWithout(t, phpMissing)) return;
    await connectAs('sess-alice');
    const alice = [...server.clients.values()].find((client) => client.userId === '42');
    assert.ok(alice, 'a connection for user 42');
    assert.deepEqual(alice.info, { name: 'Alice' });
    assert.equal(alice.claims.admin, false);
  });

  test('no cookie, an unknown or a banned session: closed at once with 4504 / 4503 and the backend reason', async (t) => {
    if (skipOrFailWithout(t, phpMissing)) return;
    const opened = server.stats().connectionsOpened;
    assert.deepEqual((await upgradeStatus(url)).close, { code: 4504, reason: 'login required' });
    assert.deepEqual((await upgradeStatus(url, { headers: cookie('sess-nobody') })).close, { code: 4504, reason: 'unknown session' });
    assert.deepEqual((await upgradeStatus(url, { headers: cookie('sess-mallory') })).close, { code: 4503, reason: 'account suspended' });
    assert.equal(server.stats().connectionsOpened, opened, 'refused connections never open');
  });

  test('subscribe: user:<id> only for that user, admin: only for admins (denied with 104)', async (t) => {
    if (skipOrFailWithout(t, phpMissing)) return;
    const alice = await connectAs('sess-alice');
    const root = await connectAs('sess-root');
    assert.equal((await request(alice, { kind: 1, topics: ['user:42'] })).kind, 21);
    assert.deepEqual(await request(alice, { kind: 1, topics: ['user:1'] }), { kind: 22, id: nextId - 1, code: 104, message: 'not allowed to subscribe to this topic' });
    assert.equal(((await request(alice, { kind: 1, topics: ['admin:alerts'] })) as { code?: number }).code, 104);
    // All or nothing: one denied topic refuses the frame.
    assert.equal(((await request(root, { kind: 1, topics: ['user:1', 'admin:alerts', 'user:42'] })) as { code?: number }).code, 104);
    assert.equal((await request(root, { kind: 1, topics: ['user:1', 'admin:alerts'] })).kind, 21);
    await server.publish('user:42', { note: 'for alice' });
    await server.publish('admin:alerts', 'disk full');
    assert.deepEqual(await alice.next((frame) => frame.kind === 20), { kind: 20, topic: 'user:42', seq: 1, data: { note: 'for alice' } });
    assert.deepEqual(await root.next((frame) => frame.kind === 20), { kind: 20, topic: 'admin:alerts', seq: 1, data: 'disk full' });
  });

  test('publish: allowed with the data the backend rewrote, denied with 104', async (t) => {
    if (skipOrFailWithout(t, phpMissing)) return;
    const alice = await connectAs('sess-alice');
    const root = await connectAs('sess-root');
    assert.equal((await request(root, { kind: 1, topics: ['chat:lobby'] })).kind, 21);
    const ack = await request(alice, { kind: 3, topic: 'chat:lobby', data: { text: '  hello  ', from: 'Root (forged)' } });
    assert.equal(ack.kind, 21);
    const message = await root.next((frame) => frame.kind === 20);
    assert.deepEqual(message, { kind: 20, topic: 'chat:lobby', seq: (ack as { data: number }).data, data: { text: 'hello', from: 'Alice', userId: '42' } });
    assert.deepEqual(await request(alice, { kind: 3, topic: 'chat:lobby', data: { text: '   ' } }), { kind: 22, id: nextId - 1, code: 104, message: 'publishing to this topic is not allowed' });
    assert.equal(((await request(alice, { kind: 3, topic: 'chat:lobby', data: 'not an object' })) as { code?: number }).code, 104);
  });

  test('rpc: methods without a code handler are answered by the backend, result or error code', async (t) => {
    if (skipOrFailWithout(t, phpMissing)) return;
    const alice = await connectAs('sess-alice');
    const root = await connectAs('sess-root');
    assert.deepEqual(await request(alice, { kind: 4, method: 'whoami', data: null }), { kind: 21, id: nextId - 1, data: { userId: '42', name: 'Alice', admin: false } });
    assert.deepEqual(await request(alice, { kind: 4, method: 'stats', data: null }), { kind: 22, id: nextId - 1, code: 104, message: 'admins only' });
    assert.deepEqual(await request(root, { kind: 4, method: 'stats', data: null }), { kind: 21, id: nextId - 1, data: { sessions: 3 } });
    assert.deepEqual(await request(root, { kind: 4, method: 'nope', data: null }), { kind: 22, id: nextId - 1, code: 105, message: 'no such method' });
    assert.deepEqual(await request(root, { kind: 4, method: 'ping', data: null }), { kind: 21, id: nextId - 1, data: 'pong' }, 'a code handler still wins');
  });

  test('a wrong shared secret: the PHP endpoint refuses Switchboard itself (4503)', async (t) => {
    if (skipOrFailWithout(t, phpMissing)) return;
    const { url: wrongUrl } = await startServer({ backend: backendAt(base, 'not-the-secret') });
    assert.deepEqual((await upgradeStatus(wrongUrl, { headers: cookie('sess-alice') })).close, { code: 4503, reason: 'not from switchboard' });
  });

  // Last: it stops PHP.
  test('backend down: new connections close with 4005, hooks answer 100, everything else keeps working', async (t) => {
    if (skipOrFailWithout(t, phpMissing)) return;
    const alice = await connectAs('sess-alice');
    assert.equal((await request(alice, { kind: 1, topics: ['chat:lobby'] })).kind, 21);
    await php!.stop();

    assert.deepEqual((await upgradeStatus(url, { headers: cookie('sess-alice') })).close, { code: 4005, reason: 'backend unavailable' });
    const unavailable = { code: 100, message: 'backend unavailable' };
    assert.deepEqual(await request(alice, { kind: 1, topics: ['user:42'] }), { kind: 22, id: nextId - 1, ...unavailable });
    assert.deepEqual(await request(alice, { kind: 3, topic: 'chat:lobby', data: { text: 'hi' } }), { kind: 22, id: nextId - 1, ...unavailable });
    assert.deepEqual(await request(alice, { kind: 4, method: 'whoami', data: null }), { kind: 22, id: nextId - 1, ...unavailable });

    // The server and the open connection are unaffected.
    assert.equal((await request(alice, { kind: 5 })).kind, 21);
    assert.equal((await request(alice, { kind: 4, method: 'ping', data: null }) as { data?: unknown }).data, 'pong');
    await server.publish('chat:lobby', 'still delivered');
    assert.equal((await alice.next((frame) => frame.kind === 20) as { data?: unknown }).data, 'still delivered');

    // Logged at error level with the URL, once per hook (rate-limited), not once per failure.
    await waitFor(() => logLines.some((line) => line.hook === 'rpc'), 2000, 'rpc failure logged');
    const connectLines = logLines.filter((line) => line.hook === 'connect');
    assert.equal(connectLines.length, 1);
    assert.equal(connectLines[0]!.level, 50);
    assert.equal(connectLines[0]!.url, `${base}/connect`);
    assert.equal(connectLines[0]!.failure, 'unreachable');
  });
});

describe('backend hooks that answer late or never', async () => {
  // Holds every request; `release` answers the held ones with a body.
  const held: ServerResponse[] = [];
  const slow = createHttpServer((req, res) => {
    req.resume();
    req.on('end', () => void held.push(res));
  });
  await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
  after(() => {
    slow.closeAllConnections();
    slow.close();
  });
  const base = `http://127.0.0.1:${(slow.address() as { port: number }).port}`;
  const release = (body: unknown) => held.splice(0).forEach((res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body)));

  test('frames wait for their own backend call only: a Ping is answered while three hook calls are pending', async () => {
    const { url } = await startServer({
      backend: { subscribeUrl: `${base}/subscribe`, publishUrl: `${base}/publish`, rpcUrl: `${base}/rpc`, timeoutMs: 30_000 },
      namespaces: { 'room:': { subscribe: 'backend', publish: 'backend' } },
    });
    const client = await RawClient.connect(url);
    // What could never be subscribed or published is refused before the backend hears of it.
    client.send({ kind: 1, id: 5, topics: ['room:a b'] });
    client.send({ kind: 3, id: 6, topic: 'room:a b', data: 1 });
    assert.equal((await client.answer(5) as { code?: number }).code, 103);
    assert.equal((await client.answer(6) as { code?: number }).code, 103);
    client.send({ kind: 1, id: 1, topics: ['room:1'] });
    client.send({ kind: 3, id: 2, topic: 'room:1', data: 1 });
    client.send({ kind: 4, id: 3, method: 'anything', data: null });
    await waitFor(() => held.length >= 3, 5000, 'three hook calls held by the backend');
    assert.equal(held.length, 3, 'only the valid requests reached the backend');
    client.send({ kind: 5, id: 4 });
    assert.equal((await client.answer(4)).kind, 21);
    assert.deepEqual(client.frames.filter((frame) => 'id' in frame && [1, 2, 3].includes(frame.id)), [], 'nothing answered before the backend');
    release({ allow: true, result: 'late' });
    assert.equal((await client.answer(1)).kind, 21);
    assert.equal((await client.answer(2)).kind, 21);
    assert.deepEqual(await client.answer(3), { kind: 21, id: 3, data: 'late' });
    client.close();
  });

  test('a backend that never answers: connect closes with 4004; subscribe, publish and rpc answer 106', async () => {
    const { url: hangingConnect } = await startServer({ backend: { connectUrl: `${base}/connect`, timeoutMs: 200 } });
    assert.deepEqual((await upgradeStatus(hangingConnect)).close, { code: 4004, reason: 'backend did not answer within 200 ms' });

    const { url } = await startServer({
      backend: { subscribeUrl: `${base}/subscribe`, publishUrl: `${base}/publish`, rpcUrl: `${base}/rpc`, timeoutMs: 200 },
      namespaces: { 'room:': { subscribe: 'backend', publish: 'backend' } },
    });
    const client = await RawClient.connect(url);
    const timeout = { code: 106, message: 'backend did not answer within 200 ms' };
    client.send({ kind: 1, id: 1, topics: ['room:1'] });
    client.send({ kind: 3, id: 2, topic: 'room:1', data: 1 });
    client.send({ kind: 4, id: 3, method: 'anything', data: null });
    assert.deepEqual(await client.answer(1), { kind: 22, id: 1, ...timeout });
    assert.deepEqual(await client.answer(2), { kind: 22, id: 2, ...timeout });
    assert.deepEqual(await client.answer(3), { kind: 22, id: 3, ...timeout });
    assert.equal((await client.answer(nextPing(client))).kind, 21, 'the connection stays usable');
    client.close();
  });
});

function nextPing(client: RawClient): number {
  client.send({ kind: 5, id: 99 });
  return 99;
}

describe("the README's backend-hooks quick start, as written", async () => {
  const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
  const block = /## Authorize in PHP \(backend hooks\)[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const [phpLine, serverLine] = block.trim().split('\n');

  test('its two commands are the ones run here', () => {
    assert.equal(phpLine, 'SWITCHBOARD_BACKEND_SECRET=change-me php -S 127.0.0.1:8080 examples/php/auth-hook.php');
    assert.equal(serverLine, `SWITCHBOARD_BACKEND_URL=http://127.0.0.1:8080 SWITCHBOARD_BACKEND_SECRET=change-me npm start -- --config ${CONFIG_FILE}`);
  });

  test('examples/php/README.md shows the same namespaces as the file', () => {
    const text = readFileSync(fileURLToPath(new URL('../../examples/php/README.md', import.meta.url)), 'utf8');
    const shown = /switchboard\.config\.json[^\n]*\n\n```json\n([\s\S]*?)```/.exec(text)?.[1];
    assert.ok(shown !== undefined, 'examples/php/README.md shows switchboard.config.json');
    assert.deepEqual(JSON.parse(shown), { namespaces: NAMESPACES });
  });

  test('admin:* and user:* are decided by PHP: a user reads only their own topic, never admin:', async (t) => {
    if (skipOrFailWithout(t, phpMissing)) return;
    // The same two processes, on free ports (the CLI from source: what `npm start` runs once built).
    const php = await startPhpServer(SCRIPT, { SWITCHBOARD_BACKEND_SECRET: 'change-me' });
    const port = await freePort();
    const cli = startCli(['--config', CONFIG_FILE, '--port', String(port)], { SWITCHBOARD_BACKEND_URL: php.base, SWITCHBOARD_BACKEND_SECRET: 'change-me' });
    await cli.line(/Switchboard listening on/, 30_000);
    const alice = await RawClient.connect(`ws://127.0.0.1:${port}/`, { headers: cookie('sess-alice') });
    after(() => alice.close());
    alice.send({ kind: 1, id: 1, topics: ['user:42'] } as never);
    assert.equal((await alice.answer(1)).kind, 21, 'her own user topic');
    alice.send({ kind: 1, id: 2, topics: ['admin:alerts'] } as never);
    assert.equal(((await alice.answer(2)) as { code?: number }).code, 104, 'admin: refused by PHP');
    alice.send({ kind: 1, id: 3, topics: ['user:1'] } as never);
    assert.equal(((await alice.answer(3)) as { code?: number }).code, 104, "another user's topic refused by PHP");
  });
});
