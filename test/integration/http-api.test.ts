import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Packr } from 'msgpackr';
import { postJson, startServer, waitFor } from '../helpers/server.js';
import { connectClient } from '../helpers/clients.js';


async function subscribed(url: string, topic: string, format: 'msgpack' | 'json' = 'msgpack') {
  const got: Array<{ data: unknown; seq: number }> = [];
  const client = connectClient(url, { format });
  await client.subscribe(topic, (data, { seq }) => got.push({ data, seq }));
  return got;
}

describe('HTTP API without an API key (loopback only)', async () => {
  const { url, http } = await startServer();

  test('POST /api/publish with a JSON body reaches WebSocket subscribers in both formats', async () => {
    const binary = await subscribed(url, 'trades:1');
    const text = await subscribed(url, 'trades:1', 'json');
    const res = await postJson(`${http}/api/publish`, { topic: 'trades:1', data: { px: 10.5, qty: 3 } });
    assert.deepEqual(res, { status: 200, body: { ok: true, seq: 1 } });
    await waitFor(() => binary.length === 1 && text.length === 1, 3000, 'delivery');
    assert.deepEqual(binary, [{ data: { px: 10.5, qty: 3 }, seq: 1 }]);
    assert.deepEqual(text, [{ data: { px: 10.5, qty: 3 }, seq: 1 }]);
  });

  test('POST /api/publish with a msgpack body; without a key a curl-style form content type is 415 (a browser page could send it)', async () => {
    const got = await subscribed(url, 'trades:2');
    const body = new Packr({ useRecords: false }).pack({ topic: 'trades:2', data: { bin: true } });
    const res = await fetch(`${http}/api/publish`, { method: 'POST', headers: { 'content-type': 'application/msgpack' }, body: new Uint8Array(body) });
    assert.equal(res.status, 200);
    const form = await fetch(`${http}/api/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: JSON.stringify({ topic: 'trades:2', data: 'from curl -d' }),
    });
    assert.equal(form.status, 415);
    assert.equal(((await form.json()) as { code: string }).code, 'UNSUPPORTED');
    await waitFor(() => got.length === 1, 3000, 'delivery');
    assert.deepEqual(got, [{ data: { bin: true }, seq: 1 }]);
  });

  test('POST /api/broadcast publishes to several topics', async () => {
    const a = await subscribed(url, 'bc:a');
    const b = await subscribed(url, 'bc:b', 'json');
    const res = await postJson(`${http}/api/broadcast`, { topics: ['bc:a', 'bc:b'], data: 'all' });
    assert.deepEqual(res, { status: 200, body: { ok: true, seqs: [1, 1] } });
    await waitFor(() => a.length === 1 && b.length === 1, 3000, 'delivery');
  });

  test('a msgpack body that is not standard msgpack (0xc1, a msgpackr-only extension) is refused and publishes nothing', async () => {
    const got = await subscribed(url, 'strict:1');
    // {topic: 'strict:1', data: <x>} written by hand, so the data can be bytes no standard encoder makes.
    const head = [0x82, 0xa5, ...Buffer.from('topic'), 0xa8, ...Buffer.from('strict:1'), 0xa4, ...Buffer.from('data')];
    for (const data of [[0xc1], [0xd4, 0x42, 0x01], [0xd6, 0xff, 0, 0, 0]]) {
      const res = await fetch(`${http}/api/publish`, { method: 'POST', headers: { 'content-type': 'application/msgpack' }, body: new Uint8Array([...head, ...data]) });
      assert.equal(res.status, 400, `data ${JSON.stringify(data)}`);
      const body = (await res.json()) as { error: string; code: string };
      assert.equal(body.code, 'BAD_REQUEST');
      assert.match(body.error, /^body is not valid msgpack: .*byte \d+/);
    }
    const ok = await fetch(`${http}/api/publish`, { method: 'POST', headers: { 'content-type': 'application/msgpack' }, body: new Uint8Array([...head, 0x2a]) });
    assert.deepEqual(await ok.json(), { ok: true, seq: 1 }, 'nothing was sequenced before');
    await waitFor(() => got.length === 1, 3000, 'delivery');
    assert.deepEqual(got, [{ data: 42, seq: 1 }]);
  });

  test('POST /api/publish with an array publishes each item in order and answers each one', async () => {
    const got = await subscribed(url, 'batch:1');
    const res = await postJson(`${http}/api/publish`, [
      { topic: 'batch:1', data: 'a', idempotencyKey: 'k1' },
      { topic: 'bad topic', data: 'x' },
      { topic: 'batch:1', data: 'b' },
      { topic: 'batch:1', data: 'a', idempotencyKey: 'k1' },
      'not an object',
    ]);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.results[0], { ok: true, seq: 1 });
    assert.equal(res.body.results[1].ok, false);
    assert.equal(res.body.results[1].code, 'INVALID_TOPIC');
    assert.deepEqual(res.body.results[2], { ok: true, seq: 2 });
    assert.deepEqual(res.body.results[3], { ok: true, seq: 1, duplicate: true });
    assert.deepEqual(res.body.results[4], { ok: false, error: 'each publication must be an object', code: 'BAD_REQUEST' });
    await waitFor(() => got.length === 2, 3000, 'delivery');
    assert.deepEqual(got, [{ data: 'a', seq: 1 }, { data: 'b', seq: 2 }]);
    assert.equal((await postJson(`${http}/api/publish`, [])).status, 400);
    assert.equal((await postJson(`${http}/api/publish`, Array.from({ length: 1001 }, () => ({ topic: 'batch:2', data: 1 })))).status, 400);
  });

  test('GET /api/topics/:topic counts subscribers of both formats', async () => {
    await subscribed(url, 'count:me');
    await subscribed(url, 'count:me', 'json');
    const res = await fetch(`${http}/api/topics/${encodeURIComponent('count:me')}`);
    assert.deepEqual(await res.json(), { topic: 'count:me', subscribers: 2 });
  });

  test('GET /healthz and GET /metrics', async () => {
    const health = await fetch(`${http}/healthz`);
    assert.equal(health.status, 200);
    const body = (await health.json()) as { status: string; connections: number };
    assert.equal(body.status, 'ok');
    assert.equal(typeof body.connections, 'number');
    const metrics = await fetch(`${http}/metrics`);
    assert.equal(metrics.status, 200);
    const text = await metrics.text();
    assert.match(text, /^switchboard_connections \d+$/m);
    assert.match(text, /^switchboard_http_publishes_total [1-9]\d*$/m);
    assert.match(text, /^switchboard_publications_total [1-9]\d*$/m);
  });

  test('bad bodies get 400 with {error, code}', async () => {
    const cases: Array<[BodyInit, string, string]> = [
      ['{not json', 'application/json', 'BAD_REQUEST'],
      ['"just a string"', 'application/json', 'BAD_REQUEST'],
      ['{"data": 1}', 'application/json', 'BAD_REQUEST'],
      ['{"topic": "t"}', 'application/json', 'BAD_REQUEST'],
      ['{"topic": "bad topic", "data": 1}', 'application/json', 'INVALID_TOPIC'],
      [new Uint8Array([0xc1, 0xff]), 'application/msgpack', 'BAD_REQUEST'],
    ];
    for (const [body, type, code] of cases) {
      const res = await fetch(`${http}/api/publish`, { method: 'POST', headers: { 'content-type': type }, body });
      assert.equal(res.status, 400, String(body));
      const json = (await res.json()) as { error: string; code: string };
      assert.equal(json.code, code, String(body));
      assert.equal(typeof json.error, 'string');
    }
    const broadcast = await postJson(`${http}/api/broadcast`, { topics: 'nope', data: 1 });
    assert.equal(broadcast.status, 400);
  });

  test('unknown routes get 404 JSON', async () => {
    const res = await fetch(`${http}/api/nope`);
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), { error: 'no such route', code: 'NOT_FOUND' });
  });

  test('a known route with the wrong method gets 405 with Allow, and the right method still works', async () => {
    const get = await fetch(`${http}/api/publish`);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    assert.deepEqual(await get.json(), { error: 'use POST', code: 'METHOD_NOT_ALLOWED' });
    const post = await fetch(`${http}/api/history/x`, { method: 'POST', body: '{}' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET');
    assert.equal((await fetch(`${http}/api/history/x`)).status, 200);
    assert.equal((await postJson(`${http}/api/publish`, { topic: 'm405', data: 1 })).status, 200);
  });

  test('unknown body fields are refused by name (a typo must not drop the idempotency key silently)', async () => {
    const typo = await postJson(`${http}/api/publish`, { topic: 't', data: 1, idempotencykey: 'k' });
    assert.equal(typo.status, 400);
    assert.deepEqual(typo.body, { error: 'unknown field "idempotencykey" (known: topic, data, idempotencyKey, tags)', code: 'BAD_REQUEST' });
    assert.equal((await postJson(`${http}/api/broadcast`, { topics: ['t'], data: 1, extra: true })).status, 400);
    assert.equal((await postJson(`${http}/api/disconnect`, { user: 'u', kick: true })).status, 400);
  });
});

describe('HTTP API with an API key', async () => {
  const { http } = await startServer({ apiKey: 'k3y-for-tests', maxHttpBodyBytes: 1024 });

  test('401 without the key or with a wrong one; 200 with it', async () => {
    const none = await postJson(`${http}/api/publish`, { topic: 't', data: 1 });
    assert.equal(none.status, 401);
    assert.equal(none.body.code, 'UNAUTHORIZED');
    assert.equal((await postJson(`${http}/api/publish`, { topic: 't', data: 1 }, { authorization: 'Bearer wrong' })).status, 401);
    assert.equal((await postJson(`${http}/api/publish`, { topic: 't', data: 1 }, { authorization: 'Bearer k3y-for-tests-longer' })).status, 401);
    const ok = await postJson(`${http}/api/publish`, { topic: 't', data: 1 }, { authorization: 'Bearer k3y-for-tests' });
    assert.deepEqual(ok, { status: 200, body: { ok: true, seq: 1 } });
    assert.equal((await fetch(`${http}/metrics`)).status, 401);
    assert.equal((await fetch(`${http}/healthz`)).status, 200);
  });

  test('bodies over maxHttpBodyBytes get 413, declared or streamed', async () => {
    const big = JSON.stringify({ topic: 't', data: 'x'.repeat(2000) });
    const declared = await fetch(`${http}/api/publish`, { method: 'POST', headers: { authorization: 'Bearer k3y-for-tests' }, body: big });
    assert.equal(declared.status, 413);
    assert.equal(((await declared.json()) as { code: string }).code, 'PAYLOAD_TOO_LARGE');
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const chunked = await fetch(`${http}/api/publish`, { method: 'POST', headers: { authorization: 'Bearer k3y-for-tests' }, body: stream, duplex: 'half' } as RequestInit);
    assert.equal(chunked.status, 413);
    // The server is still fine afterwards.
    assert.equal((await fetch(`${http}/healthz`)).status, 200);
  });
});
