/**
 * examples/php/publish.php against a real server, run by the real PHP CLI (Debian php-cli +
 * php-curl, installed by .ci/run). Skips visibly where PHP is not installed; fails under CI.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { connectClient } from '../helpers/clients.js';
import { phpCurlMissing, runPhp } from '../helpers/php.js';
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
