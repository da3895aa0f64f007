/**
 * What a stranger can make the Pusher HTTP API spend: its per-app rate bucket (only signed
 * requests may), buffered bodies (an unsigned request is answered before its body is read), and
 * the meaning of a signed query (a captured signature cannot be re-split into other parameters).
 * The oracle for "signed" is the `pusher` npm package's own signing, captured on its way out.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import { startBystander } from '../helpers/bystander.js';
import { APP, captureSigned, serverSdk } from '../helpers/pusher.js';
import { startServer } from '../helpers/server.js';

/** Sends raw request head bytes and resolves with the status line of the answer, or 'no answer'. */
function rawStatus(port: number, head: string, boundMs = 5000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const done = (value: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => done('no answer'), boundMs);
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      const line = text.split('\r\n')[0]!;
      if (text.includes('\r\n')) done(line);
    });
    socket.on('error', () => done('no answer'));
    socket.on('connect', () => socket.write(head));
  });
}

describe('Pusher HTTP API rate buckets', async () => {
  const { server, url, port } = await startServer({ pusher: { apps: [{ ...APP }] }, httpRequestsPerSecond: 5, trustedProxies: ['127.0.0.1'] });
  const bystander = await startBystander(server, url);
  const sdk = serverSdk(port);

  test('unsigned requests at 3x the app rate cannot spend the bucket of signed publishes', async () => {
    const unsigned = Array.from({ length: 30 }, () => fetch(`http://127.0.0.1:${port}/apps/${APP.id}/events`, { method: 'POST', body: '{}', headers: { 'x-forwarded-for': '203.0.113.9' } }).then((res) => res.status));
    const refused = await Promise.all(unsigned);
    assert.ok(refused.every((status) => status === 401 || status === 429), refused.join(','));
    // The app's burst is 10: eight signed publishes right after the flood all get through.
    const signed: number[] = [];
    for (let i = 0; i < 8; i++) {
      signed.push(
        await sdk.trigger('costs', 'e', { i }).then(
          (res) => res.status,
          (err: { status?: number }) => err.status ?? 0,
        ),
      );
    }
    assert.deepEqual(signed, Array(8).fill(200));
    await bystander.check();
  });

  test('unsigned requests are bounded per source address: one address gets 429, another still its 401', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 60 }, async () => {
        const res = await fetch(`http://127.0.0.1:${port}/apps/${APP.id}/channels`, { headers: { 'x-forwarded-for': '203.0.113.10' } });
        await res.text();
        return res.status;
      }),
    );
    assert.ok(statuses.includes(429), statuses.join(','));
    assert.ok(statuses.every((status) => status === 401 || status === 429), statuses.join(','));
    const other = await fetch(`http://127.0.0.1:${port}/apps/${APP.id}/channels`, { headers: { 'x-forwarded-for': '203.0.113.11' } });
    assert.equal(other.status, 401);
    await bystander.check();
  });

});

describe('Pusher HTTP API bodies and signed queries', async () => {
  const { server, url, port } = await startServer({ pusher: { apps: [{ ...APP }] } });
  const bystander = await startBystander(server, url);
  const sdk = serverSdk(port);

  test('an unsigned request declaring a 1 MB body is answered before a byte of the body is sent', async () => {
    const head = `POST /apps/${APP.id}/events?auth_key=${APP.key}&auth_timestamp=1&auth_version=1.0&auth_signature=00 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n`;
    assert.match(await rawStatus(port, head), /^HTTP\/1\.1 401/);
    await bystander.check();
  });

  test('a signed body over the Pusher API limit (256 KiB) is refused with 413', async () => {
    const status = await sdk.trigger('costs', 'big', 'x'.repeat(300 * 1024)).then(
      (res) => res.status,
      (err: { status?: number }) => err.status ?? 0,
    );
    assert.equal(status, 413);
    await bystander.check();
  });

  test('a captured SDK-signed query merged into one parameter (re-split) is refused', async () => {
    const [query] = await captureSigned((recorder) => recorder.get({ path: '/channels', params: { filter_by_prefix: 'presence-', info: 'user_count' } }));
    assert.ok(query);
    assert.equal((await fetch(`http://127.0.0.1:${port}${query.url}`)).status, 200, 'the capture itself is valid');
    // The same signed string, "...&filter_by_prefix=presence-&info=user_count", read as one parameter.
    const merged = query.url.replace('filter_by_prefix=presence-&info=user_count', 'filter_by_prefix=presence-%26info%3Duser_count');
    assert.notEqual(merged, query.url);
    const refused = await fetch(`http://127.0.0.1:${port}${merged}`);
    assert.equal(refused.status, 400);
    assert.match(await refused.text(), /ambiguous/);
    // A name carrying "=" is the same trick the other way round.
    const renamed = query.url.replace('info=user_count', 'info%3Duser_count');
    assert.equal((await fetch(`http://127.0.0.1:${port}${renamed}`)).status, 400);
    await bystander.check();
  });
});
