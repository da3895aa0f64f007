/**
 * Hostile input on the Pusher front: malformed JSON, unknown events, binary and oversized frames
 * get Pusher's errors (an event, or a close code in the back-off range) and never disturb another
 * socket; the HTTP API refuses stale, unsigned and tampered requests with 401.
 */
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import WebSocket from 'ws';
import { APP, captureSigned, next, pusherClient, serverSdk, subscribed, type SignedRequest } from '../helpers/pusher.js';
import { startServer } from '../helpers/server.js';

/** A raw socket on /app/:key that collects every event it is sent. */
async function rawSocket(port: number): Promise<{ ws: WebSocket; events: any[]; closed: Promise<number> }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/app/${APP.key}?protocol=7`);
  const events: any[] = [];
  ws.on('message', (data) => events.push(JSON.parse(data.toString())));
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise((resolve) => ws.once('message', resolve));
  return { ws, events, closed };
}

async function nextEvent(events: any[], count: number): Promise<any> {
  while (events.length < count) await new Promise((resolve) => setTimeout(resolve, 5));
  return events[count - 1];
}

describe('Pusher front under hostile input', async () => {
  const { port } = await startServer({ pusher: { apps: [{ ...APP }] }, maxPayloadBytes: 4096 });
  const sdk = serverSdk(port);
  const bystander = pusherClient(port);
  await subscribed(bystander, 'calm');

  const stillServed = async () => {
    const got = next(bystander, 'calm', 'ok');
    await sdk.trigger('calm', 'ok', { fine: true });
    assert.deepEqual(await got, { fine: true });
  };

  test('malformed JSON, non-objects, unknown events and binary frames each get a pusher:error; the socket stays', async () => {
    const { ws, events } = await rawSocket(port);
    assert.equal(events[0].event, 'pusher:connection_established');
    assert.match(JSON.parse(events[0].data).socket_id, /^\d+\.\d+$/);
    const inputs: Array<[string | Buffer, RegExp]> = [
      ['{not json', /Invalid JSON/],
      ['[1,2]', /JSON object/],
      ['{"event":"pusher:hack","data":{}}', /Unsupported event/],
      ['{"event":42}', /must be a string/],
      ['{"event":"pusher:subscribe","data":{"channel":7}}', /"channel"/],
      [Buffer.from([1, 2, 3]), /Binary/],
    ];
    let count = 1;
    for (const [input, message] of inputs) {
      ws.send(input);
      const event = await nextEvent(events, ++count);
      assert.equal(event.event, 'pusher:error');
      assert.match(event.data.message, message);
    }
    ws.send('{"event":"pusher:ping","data":{}}');
    assert.equal((await nextEvent(events, ++count)).event, 'pusher:pong');
    ws.close();
    await stillServed();
  });

  test('invalid channel names and client events where they are not allowed are refused by name', async () => {
    const { ws, events } = await rawSocket(port);
    ws.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel: 'has space' } }));
    const refused = await nextEvent(events, 2);
    assert.equal(refused.event, 'pusher:subscription_error');
    assert.equal(refused.data.status, 400);
    ws.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel: 'private-x', auth: `${APP.key}:${'0'.repeat(64)}` } }));
    assert.deepEqual((await nextEvent(events, 3)).data, { type: 'AuthError', error: 'Invalid signature', status: 401 });
    ws.send(JSON.stringify({ event: 'client-x', channel: 'calm', data: {} }));
    assert.match((await nextEvent(events, 4)).data.message, /only supported on private and presence/);
    ws.send(JSON.stringify({ event: 'client-x', channel: 'private-x', data: {} }));
    assert.match((await nextEvent(events, 5)).data.message, /Not subscribed/);
    ws.close();
    await stillServed();
  });

  test('a frame over maxPayloadBytes closes that socket with 4100 (back off), nobody else', async () => {
    const { ws, closed } = await rawSocket(port);
    ws.send(JSON.stringify({ event: 'client-big', channel: 'private-x', data: 'x'.repeat(8000) }));
    assert.equal(await closed, 4100);
    await stillServed();
  });

  test('a wrong protocol version or path is refused with Pusher codes', async () => {
    for (const [path, code] of [[`/app/${APP.key}?protocol=6`, 4007], [`/app/${APP.key}`, 4008], [`/app/${APP.key}?protocol=x`, 4006]] as const) {
      const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`);
      const first = new Promise<any>((resolve) => ws.once('message', (data) => resolve(JSON.parse(data.toString()))));
      const closed = new Promise<number>((resolve) => ws.on('close', resolve));
      assert.equal((await first).data.code, code);
      assert.equal(await closed, code);
    }
  });

  test('HTTP API: unsigned, stale, tampered-body and wrong-key requests are 401; unknown apps 404', async () => {
    const body = JSON.stringify({ name: 'x', channel: 'calm', data: '{}' });
    const signed = (overrides: Record<string, string>, sentBody = body, path = `/apps/${APP.id}/events`) => {
      const params: Record<string, string> = {
        auth_key: APP.key,
        auth_timestamp: String(Math.floor(Date.now() / 1000)),
        auth_version: '1.0',
        body_md5: createHash('md5').update(body).digest('hex'),
        ...overrides,
      };
      const query = Object.keys(params).sort().map((key) => `${key}=${params[key]}`).join('&');
      const signature = createHmac('sha256', APP.secret).update(`POST\n${path}\n${query}`).digest('hex');
      return fetch(`http://127.0.0.1:${port}${path}?${query}&auth_signature=${signature}`, { method: 'POST', body: sentBody, headers: { 'content-type': 'application/json' } });
    };
    assert.equal((await signed({})).status, 200, 'the hand-signed request itself is valid');
    assert.equal((await fetch(`http://127.0.0.1:${port}/apps/${APP.id}/events`, { method: 'POST', body })).status, 401);
    const stale = await signed({ auth_timestamp: String(Math.floor(Date.now() / 1000) - 601) });
    assert.equal(stale.status, 401);
    assert.match(await stale.text(), /Timestamp expired/);
    assert.equal((await signed({}, body.replace('calm', 'evil'))).status, 401);
    assert.equal((await signed({ auth_key: 'other-key' })).status, 401);
    assert.equal((await signed({ auth_version: '2.0' })).status, 401);
    assert.equal((await signed({}, body, '/apps/nope/events')).status, 404);
    await stillServed();
  });
  test('HTTP API: requests signed by the pusher SDK and captured are refused when replayed late, elsewhere or with another body', async () => {
    // What an eavesdropper holds: the SDK's own signed requests, recorded on their way out.
    const captured = await captureSigned(async (sdkToRecorder) => {
      await sdkToRecorder.trigger('calm', 'now', { n: 1 });
      // Signed 601 s ago: the SDK signs with the clock it reads, so wind that clock back for one call.
      const realNow = Date.now;
      Date.now = () => realNow() - 601_000;
      try {
        await sdkToRecorder.trigger('calm', 'old', { n: 2 });
      } finally {
        Date.now = realNow;
      }
      await sdkToRecorder.get({ path: '/channels' });
    });
    const replay = (request: SignedRequest, changes: { url?: string; body?: string } = {}) =>
      fetch(`http://127.0.0.1:${port}${changes.url ?? request.url}`, { method: request.method, body: request.method === 'GET' ? undefined : (changes.body ?? request.body), headers: { 'content-type': 'application/json' } });
    const [fresh, old, query] = captured;
    assert.ok(fresh && old && query, 'three requests captured');

    assert.equal((await replay(fresh)).status, 200, 'a fresh request replayed within the window is accepted, as Pusher accepts it (an app may send the same event twice in one second)');
    const late = await replay(old);
    assert.equal(late.status, 401, 'replayed after the 600 s window');
    assert.match(await late.text(), /Timestamp expired/);
    assert.equal((await replay(fresh, { body: fresh.body.replace('calm', 'evil') })).status, 401, 'the signature replayed with another body');
    assert.equal((await replay(fresh, { url: fresh.url.replace('/events', '/batch_events') })).status, 401, 'the signature replayed on another path');
    assert.equal((await replay(query, { url: query.url.replace('/channels?', '/channels/calm?') })).status, 401, 'a GET signature replayed on another resource');
    assert.equal((await replay(query, { url: `${query.url}&filter_by_prefix=private-` })).status, 401, 'a GET signature with a parameter added');
    await stillServed();
  });
});
