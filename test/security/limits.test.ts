import assert from 'node:assert/strict';
import { connect as tcpConnect, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { CloseCode, Kind, type ClientFrame } from '../../src/protocol/index.js';
import { msgpackCodec } from '../../src/protocol/codec.js';
import { startBystander } from '../helpers/bystander.js';
import { RawClient } from '../helpers/raw-client.js';
import { connectClient } from '../helpers/clients.js';
import { postJson, startServer, waitFor } from '../helpers/server.js';
import { upgradeStatus } from '../helpers/upgrade.js';
import { REFUSED_BODY_DRAIN_BYTES } from '../../src/server/uws/http-exchange.js';

describe('per-connection rate limits', async () => {
  // Frame burst: 2 × 10 + maxSubscriptions 10 = 30.
  const { server, url } = await startServer({ messagesPerSecond: 10, maxSubscriptions: 10, bytesPerSecond: 2000, maxPayloadBytes: 1024 });
  const bystander = await startBystander(server, url);

  test('a client within its burst is served normally', async () => {
    const raw = await RawClient.connect(url);
    for (let id = 1; id <= 15; id++) raw.send({ kind: Kind.Ping, id });
    for (let id = 1; id <= 15; id++) assert.equal((await raw.answer(id)).kind, Kind.Reply);
    raw.close();
  });

  test('more frames per second than allowed close the connection with 4002 RATE_LIMITED', async () => {
    const raw = await RawClient.connect(url);
    for (let id = 1; id <= 60; id++) raw.send({ kind: Kind.Ping, id });
    assert.deepEqual(await raw.closedWith(), { code: CloseCode.RateLimited, reason: 'message rate limit exceeded' });
    await bystander.check();
  });

  test('frames are counted, not messages: one message carrying 60 frames is over the limit too', async () => {
    const raw = await RawClient.connect(url);
    const frames: ClientFrame[] = Array.from({ length: 60 }, (_, i) => ({ kind: Kind.Ping, id: i + 1 }));
    raw.sendRaw(msgpackCodec.encodeBatch(frames) as Uint8Array);
    assert.equal((await raw.closedWith()).code, CloseCode.RateLimited);
    await bystander.check();
  });

  test('more bytes per second than allowed close with 4002 too', async () => {
    const raw = await RawClient.connect(url);
    for (let i = 0; i < 8; i++) raw.send({ kind: Kind.Send, id: 0, data: 'x'.repeat(900) });
    assert.deepEqual(await raw.closedWith(), { code: CloseCode.RateLimited, reason: 'byte rate limit exceeded' });
    await bystander.check();
  });

  test('a flood of undecodable messages hits the same limit instead of earning an Error frame each', async () => {
    const raw = await RawClient.connect(url);
    for (let i = 0; i < 60; i++) raw.sendRaw(Uint8Array.from([0xc1]));
    assert.equal((await raw.closedWith()).code, CloseCode.RateLimited);
    await bystander.check();
  });

  test('every rate-limit close is counted in switchboard_rate_limited_total', async () => {
    const metrics = await (await fetch(`http://127.0.0.1:${new URL(url).port}/metrics`)).text();
    assert.match(metrics, /^switchboard_rate_limited_total 4$/m);
  });

  test('a client renewing all its subscriptions after a reconnect is not rate limited', async () => {
    // Burst 2 × 2 + 40 = 44: the SDK's post-welcome batch of 40 Subscribe frames fits, a limit
    // without the maxSubscriptions term (burst 4) would close it with 4002 on every reconnect.
    const { server: busy, url: busyUrl } = await startServer({ messagesPerSecond: 2, maxSubscriptions: 40 });
    const client = connectClient(busyUrl, { minReconnectDelayMs: 10 });
    const received = new Set<string>();
    const topics = Array.from({ length: 40 }, (_, i) => `t${i}`);
    await client.ready();
    // Renewed after a reconnect in one batch, one frame per topic: subscribe while disconnected.
    const closes: number[] = [];
    client.on('close', ({ code }) => closes.push(code));
    busy.clients.get(client.connectionId!)!.close(CloseCode.ServerClosed, 'bye');
    await waitFor(() => closes.length === 1, 3000, 'disconnect');
    await Promise.all(topics.map((topic) => client.subscribe(topic, () => received.add(topic))));
    await busy.broadcast(topics, 1);
    await waitFor(() => received.size === topics.length, 3000, 'every topic delivered');
    assert.deepEqual(closes, [CloseCode.ServerClosed]);
  });
});

describe('connection caps and the attempt rate', async () => {
  test('over maxConnectionsPerIp: 429 LIMIT_EXCEEDED with Retry-After; a closed connection frees its slot', async () => {
    const { url } = await startServer({ maxConnectionsPerIp: 3 });
    const held = await Promise.all([1, 2, 3].map(() => RawClient.connect(url)));
    const refused = await upgradeStatus(url);
    assert.equal(refused.status, 429);
    assert.equal(refused.json?.code, 'LIMIT_EXCEEDED');
    assert.ok(Number(refused.headers['retry-after']) >= 1);
    held[0]!.close();
    await held[0]!.closedWith();
    // The server sees the close a moment after the client: retry briefly.
    let status = 0;
    for (let i = 0; i < 50 && status !== 101; i++) status = (await upgradeStatus(url)).status;
    assert.equal(status, 101);
    held.forEach((raw) => raw.close());
  });

  test('over maxConnections: 503 OVERLOADED with Retry-After', async () => {
    const { url } = await startServer({ maxConnections: 2 });
    const held = await Promise.all([1, 2].map(() => RawClient.connect(url)));
    const refused = await upgradeStatus(url);
    assert.equal(refused.status, 503);
    assert.equal(refused.json?.code, 'OVERLOADED');
    assert.ok(Number(refused.headers['retry-after']) >= 1);
    held.forEach((raw) => raw.close());
  });

  test('a reconnect storm over connectsPerSecond gets 503 + Retry-After instead of collapsing the server', async () => {
    const { server, url, http } = await startServer({ connectsPerSecond: 5 });
    const bystander = await startBystander(server, url);
    const outcomes = await Promise.all(Array.from({ length: 40 }, () => upgradeStatus(url)));
    const refused = outcomes.filter((outcome) => outcome.status === 503);
    assert.ok(refused.length >= 20, `${refused.length} of 40 refused`);
    for (const outcome of refused) {
      assert.equal(outcome.json?.code, 'OVERLOADED');
      assert.ok(Number(outcome.headers['retry-after']) >= 1);
    }
    assert.ok(outcomes.every((outcome) => outcome.status === 101 || outcome.status === 503));
    assert.equal((await fetch(`${http}/healthz`)).status, 200);
    await bystander.check();
  });

  test('half-sent upgrade requests (slow loris) do not stop others from connecting', async () => {
    const { server, url, port } = await startServer({});
    const bystander = await startBystander(server, url);
    const sockets: Socket[] = [];
    for (let i = 0; i < 50; i++) {
      const socket = tcpConnect(port, '127.0.0.1');
      socket.on('error', () => {});
      socket.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n');
      sockets.push(socket);
    }
    assert.equal((await upgradeStatus(url)).status, 101);
    await bystander.check();
    sockets.forEach((socket) => socket.destroy());
  });
});

describe('trusted proxies and X-Forwarded-For', async () => {
  test('from a trusted proxy the forwarded client address is what the per-address cap counts', async () => {
    const { server, url } = await startServer({ trustedProxies: ['127.0.0.0/8'], maxConnectionsPerIp: 1 });
    const first = await RawClient.connect(url, { headers: { 'x-forwarded-for': '203.0.113.5' } });
    assert.equal([...server.clients.values()][0]!.remoteAddress, '203.0.113.5');
    assert.equal((await upgradeStatus(url, { headers: { 'x-forwarded-for': '203.0.113.5' } })).status, 429);
    // A spoofed left-most entry does not help: the right-most untrusted hop is the client.
    assert.equal((await upgradeStatus(url, { headers: { 'x-forwarded-for': '198.51.100.1, 203.0.113.5' } })).status, 429);
    assert.equal((await upgradeStatus(url, { headers: { 'x-forwarded-for': '203.0.113.6' } })).status, 101);
    first.close();
  });

  test('from an untrusted peer X-Forwarded-For is ignored', async () => {
    const { url } = await startServer({ maxConnectionsPerIp: 1 });
    const first = await RawClient.connect(url, { headers: { 'x-forwarded-for': '203.0.113.5' } });
    assert.equal((await upgradeStatus(url, { headers: { 'x-forwarded-for': '203.0.113.6' } })).status, 429);
    first.close();
  });

  test('the loopback-only HTTP API judges the forwarded address, so a local proxy does not open it to the world', async () => {
    const proxied = await startServer({ trustedProxies: ['127.0.0.1'] });
    const external = await postJson(`${proxied.http}/api/publish`, { topic: 't', data: 1 }, { 'x-forwarded-for': '203.0.113.5' });
    assert.equal(external.status, 403);
    assert.equal(external.body.code, 'FORBIDDEN');
    assert.equal((await postJson(`${proxied.http}/api/publish`, { topic: 't', data: 1 }, { 'x-forwarded-for': '127.0.0.1' })).status, 200);
    const direct = await startServer({});
    assert.equal((await postJson(`${direct.http}/api/publish`, { topic: 't', data: 1 }, { 'x-forwarded-for': '203.0.113.5' })).status, 200);
  });
});

describe('HTTP API limits and validation', async () => {
  test('over httpRequestsPerSecond: 429 RATE_LIMITED with Retry-After, per client address without a key', async () => {
    const { http } = await startServer({ httpRequestsPerSecond: 5, trustedProxies: ['127.0.0.1'] });
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 25; i++) {
      const res = await fetch(`${http}/api/publish`, { method: 'POST', headers: { 'x-forwarded-for': '127.0.0.2', 'content-type': 'application/json' }, body: JSON.stringify({ topic: 't', data: i }) });
      statuses.push(res.status);
      if (res.status === 429 && limited === undefined) limited = res;
      else await res.text();
    }
    assert.ok(statuses.filter((status) => status === 429).length >= 10, statuses.join(','));
    assert.ok(limited);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    assert.deepEqual(await limited.json(), { error: 'too many requests', code: 'RATE_LIMITED' });
    // Another client address has its own bucket.
    assert.equal((await postJson(`${http}/api/publish`, { topic: 't', data: 1 }, { 'x-forwarded-for': '127.0.0.3' })).status, 200);
  });

  test('with an API key the key has one bucket', async () => {
    const { http } = await startServer({ apiKey: 'k', httpRequestsPerSecond: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await postJson(`${http}/api/publish`, { topic: 't', data: i }, { authorization: 'Bearer k' })).status);
    assert.ok(statuses.includes(429), statuses.join(','));
    assert.ok(statuses.every((status) => status === 200 || status === 429));
  });

  test('malformed bodies get 400 with a message naming the problem; oversized ones 413', async () => {
    const { http } = await startServer({ maxHttpBodyBytes: 1000 });
    const cases: Array<[unknown, RegExp]> = [
      ['just a string', /body must be an object, or an array of them/],
      [{ data: 1 }, /"topic" must be a string/],
      [{ topic: 't' }, /"data" is required/],
      [{ topic: 'a b', data: 1 }, /visible ASCII/],
    ];
    for (const [body, message] of cases) {
      const res = await postJson(`${http}/api/publish`, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(res.body.error, message);
    }
    const notJson = await fetch(`${http}/api/publish`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"topic":' });
    assert.equal(notJson.status, 400);
    assert.deepEqual(await notJson.json(), { error: 'body is not valid JSON', code: 'BAD_REQUEST' });
    const broadcast = await postJson(`${http}/api/broadcast`, { topics: [], data: 1 });
    assert.equal(broadcast.status, 400);
    const big = await postJson(`${http}/api/publish`, { topic: 't', data: 'x'.repeat(2000) });
    assert.equal(big.status, 413);
    assert.equal(big.body.code, 'PAYLOAD_TOO_LARGE');
  });

  test('a body over the limit is read to its end before the 413, so a client still sending gets the answer, not a reset; past the drain bound it is refused at once', async () => {
    const { server, url, port } = await startServer();
    const bystander = await startBystander(server, url);
    // 6 MB is more than loopback's socket buffers hold: the client is still writing when the
    // server refuses. Answering and closing at that point left the rest unread, and the kernel's
    // reset discarded the 413 before the client read it (EPIPE, no status).
    const over = await postRaw(port, 6_000_000);
    assert.deepEqual(over, { status: 'HTTP/1.1 413 Payload Too Large', error: undefined });
    // Declared past the limit plus the drain bound: not read, refused at once.
    const past = await postRaw(port, 1024 * 1024 + REFUSED_BODY_DRAIN_BYTES + 4_000_000);
    assert.ok(past.error === 'EPIPE' || past.error === 'ECONNRESET', JSON.stringify(past));
    await bystander.check();
  });
});

/**
 * POSTs `bytes` of body to /api/publish over a raw socket that reads nothing until its last write
 * completed and 300 ms passed (by then a reset from the server has arrived), then returns the
 * status line it read and the socket error, if any.
 */
function postRaw(port: number, bytes: number): Promise<{ status: string; error: string | undefined }> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, '127.0.0.1');
    let received = '';
    let error: string | undefined;
    socket.pause();
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', (err: NodeJS.ErrnoException) => (error ??= err.code));
    socket.on('close', () => resolve({ status: received.split('\r\n')[0]!, error }));
    socket.write(`POST /api/publish HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${bytes}\r\n\r\n`);
    socket.write(Buffer.alloc(bytes, 0x61), () => setTimeout(() => socket.resume(), 300));
    // A write that never completes (the server stopped reading) still ends the wait.
    setTimeout(() => socket.resume(), 5000).unref();
  });
}
