/**
 * The keyless HTTP API trusts loopback callers, and a browser on the same machine is a loopback
 * caller: a page on another local port (or a DNS-rebinding site) could publish and disconnect
 * users with `fetch(..., { mode: 'no-cors' })`. Requests are sent here with the exact headers a
 * browser sends for each case; the backends' own clients (curl, PHP, the SDK) send none of them.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, test } from 'node:test';
import { startBystander } from '../helpers/bystander.js';
import { connectClient } from '../helpers/clients.js';
import { startServer, waitFor } from '../helpers/server.js';

/** A request with exactly these headers (node:http, since fetch will not send another Host). */
function send(method: string, url: string, body: string | undefined, headers: Record<string, string>): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text === '' ? undefined : JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
const post = (url: string, body: string, headers: Record<string, string>) => send('POST', url, body, headers);

describe('the keyless loopback HTTP API against browser-originated requests', async () => {
  const { server, url, http, port } = await startServer();
  const bystander = await startBystander(server, url);
  const victim = connectClient(url, { format: 'json' });
  const seen: unknown[] = [];
  await victim.subscribe('orders', (data) => seen.push(data));
  const publish = JSON.stringify({ topic: 'orders', data: 'forged' });

  test('a no-cors fetch from a page on another local port (same-site, text/plain) publishes nothing and is told why', async () => {
    const answer = await post(`${http}/api/publish`, publish, {
      origin: 'http://127.0.0.1:5173',
      'sec-fetch-site': 'same-site',
      'sec-fetch-mode': 'no-cors',
      'sec-fetch-dest': 'empty',
      'content-type': 'text/plain;charset=UTF-8',
    });
    assert.equal(answer.status, 403);
    assert.equal(answer.body.code, 'FORBIDDEN');
    assert.match(answer.body.error, /browser/);
    await bystander.check();
    assert.deepEqual(seen, []);
  });

  test('a cross-site page cannot reach /api/disconnect, even with a JSON content type', async () => {
    const answer = await post(`${http}/api/disconnect`, JSON.stringify({ userId: 'alice' }), {
      origin: 'https://evil.example',
      'sec-fetch-site': 'cross-site',
      'sec-fetch-mode': 'cors',
      'content-type': 'application/json',
    });
    assert.equal(answer.status, 403);
    assert.match(answer.body.error, /browser/);
  });

  test('a DNS-rebinding page (same-origin to the browser, Host and Origin of another name) is refused, reads included', async () => {
    const rebound = { host: `evil.example:${port}`, origin: `http://evil.example:${port}`, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' };
    assert.equal((await post(`${http}/api/publish`, publish, rebound)).status, 403);
    const read = await send('GET', `${http}/api/history/orders`, undefined, { host: `evil.example:${port}`, 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' });
    assert.equal(read.status, 403);
    assert.match(read.body.error, /browser/);
  });

  test('a body with a simple content type (what a form or no-cors fetch can send) is refused with 415 and the fix', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const answer = await post(`${http}/api/publish`, publish, { 'content-type': type });
      assert.equal(answer.status, 415, type);
      assert.match(answer.body.error, /application\/json/);
    }
    await bystander.check();
    assert.deepEqual(seen, []);
  });

  test('backend callers (no Origin, JSON or msgpack) and the server\'s own origin still publish', async () => {
    assert.equal((await post(`${http}/api/publish`, JSON.stringify({ topic: 'orders', data: 1 }), { 'content-type': 'application/json' })).status, 200);
    assert.equal((await post(`${http}/api/publish`, JSON.stringify({ topic: 'orders', data: 2 }), { 'content-type': 'application/json', origin: `http://127.0.0.1:${port}`, 'sec-fetch-site': 'same-origin' })).status, 200);
    await waitFor(() => seen.length === 2, 3000, 'both publications');
    assert.deepEqual(seen, [1, 2]);
    await bystander.check();
  });
});

describe('the HTTP API with a key', async () => {
  const { server, url, http } = await startServer({ apiKey: 'loopback-api-key-0123456789' });
  const bystander = await startBystander(server, url);

  test('a form content type is still accepted with the key (a browser cannot add Authorization without a preflight)', async () => {
    const answer = await post(`${http}/api/publish`, JSON.stringify({ topic: 'x', data: 1 }), { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Bearer loopback-api-key-0123456789' });
    assert.equal(answer.status, 200);
    await bystander.check();
  });
});
