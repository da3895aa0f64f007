/**
 * examples/php/publish.php against a real server, run by the real PHP CLI (Debian php-cli +
 * php-curl, installed by .ci/run). Skips visibly where PHP is not installed; fails under CI.
 * With a Redis engine whose Redis is stopped mid-publish, the script must retry with the same
 * idempotency key, so the message is published exactly once.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { RedisEngine } from '../../src/server/engine/redis/redis-engine.js';
import { connectClient } from '../helpers/clients.js';
import { phpCurlMissing, runPhp } from '../helpers/php.js';
import { redisMissing, startRedis } from '../helpers/redis.js';
import { skipOrFailWithout } from '../helpers/requirements.js';
import { startServer, waitFor } from '../helpers/server.js';

const SCRIPT = fileURLToPath(new URL('../../examples/php/publish.php', import.meta.url));

describe('PHP publisher example', async () => {
  // user:<id> topics are subscribable only by that user: the subscriber authenticates as user 42.
  const { url, http } = await startServer({ apiKey: 'php-key', authenticate: () => ({ userId: '42' }) });

  test('publishes with the API key and the WebSocket subscriber receives the data', async (t) => {
    if (skipOrFailWithout(t, phpCurlMissing)) return;
    const got: unknown[] = [];
    const client = connectClient(url);
    await client.subscribe('user:42', (data) => got.push(data));
    const run = await runPhp([SCRIPT, 'user:42', '{"notification": "Order filled", "qty": 3, "meta": {}}'], { SWITCHBOARD_URL: http, SWITCHBOARD_API_KEY: 'php-key' });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /published to user:42, seq 1/);
    await waitFor(() => got.length === 1, 3000, 'delivery');
    assert.deepEqual(got, [{ notification: 'Order filled', qty: 3, meta: {} }]);
  });

  test('a wrong key exits 1 and prints the {error, code} answer; bad usage exits 2', async (t) => {
    if (skipOrFailWithout(t, phpCurlMissing)) return;
    const refused = await runPhp([SCRIPT, 't', '1'], { SWITCHBOARD_URL: http, SWITCHBOARD_API_KEY: 'wrong' });
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /HTTP 401 UNAUTHORIZED: missing or invalid API key/);
    const invalidTopic = await runPhp([SCRIPT, 'bad topic', '1'], { SWITCHBOARD_URL: http, SWITCHBOARD_API_KEY: 'php-key' });
    assert.equal(invalidTopic.status, 1);
    assert.match(invalidTopic.stderr, /HTTP 400 INVALID_TOPIC/);
    assert.equal((await runPhp([SCRIPT, 'only-topic'], { SWITCHBOARD_URL: http })).status, 2);
    assert.equal((await runPhp([SCRIPT, 't', '{not json'], { SWITCHBOARD_URL: http })).status, 2);
  });
});

describe('PHP publisher example on the Redis engine', { skip: redisMissing }, async () => {
  if (redisMissing !== undefined) return;

  test('Redis stopped (SIGSTOP) during the publish: the script retries with the same idempotency key and the message arrives once', async (t) => {
    if (skipOrFailWithout(t, phpCurlMissing)) return;
    const redis = await startRedis();
    const engine = new RedisEngine({ url: redis.url, commandTimeoutMs: 500, lingerMs: 100 });
    const { url, http } = await startServer({ engine });
    const got: unknown[] = [];
    const client = connectClient(url);
    await client.subscribe('orders:php', (data) => got.push(data));

    await redis.kill('SIGSTOP');
    const php = spawn('php', [SCRIPT, 'orders:php', '{"order": 8812}'], { env: { ...process.env, SWITCHBOARD_URL: http } });
    let stdout = '';
    let stderr = '';
    php.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    php.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => php.once('exit', resolve));
    // The first attempt reached Redis and was not answered: the script says so and waits to retry.
    await waitFor(() => stderr.includes('PUBLISH_OUTCOME_UNKNOWN'), 10_000, 'the "outcome unknown" answer');
    assert.match(stderr, /HTTP 504 PUBLISH_OUTCOME_UNKNOWN, retrying in 1 s with the same idempotency key/);
    await redis.kill('SIGCONT');

    assert.equal(await exited, 0, stderr);
    assert.match(stdout, /published to orders:php, seq 1\b/);
    // A marker published after: once it arrived, anything the retries had published would have too.
    const marker = await fetch(`${http}/api/publish`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ topic: 'orders:php', data: 'marker' }) });
    assert.equal(marker.status, 200);
    await waitFor(() => got.includes('marker'), 5000, 'the marker');
    assert.deepEqual(got, [{ order: 8812 }, 'marker'], 'the stalled first attempt ran after SIGCONT; the retry with its key published nothing more');
  });
});
