/**
 * examples/pusher/trigger.php (a Pusher HTTP API request signed by hand in plain PHP) against a
 * real server, received by pusher-js. Skips visibly where PHP is not installed; fails under CI.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { APP, next, pusherClient, subscribed } from '../helpers/pusher.js';
import { phpCurlMissing, runPhp } from '../helpers/php.js';
import { skipOrFailWithout } from '../helpers/requirements.js';
import { startServer } from '../helpers/server.js';

const SCRIPT = fileURLToPath(new URL('../../examples/pusher/trigger.php', import.meta.url));

describe('PHP Pusher trigger example', async () => {
  const { port, http } = await startServer({ pusher: { apps: [{ ...APP }] } });
  const env = { PUSHER_HOST: http, PUSHER_APP_ID: APP.id, PUSHER_KEY: APP.key, PUSHER_SECRET: APP.secret };

  test('a hand-signed request triggers an event pusher-js receives', async (t) => {
    if (skipOrFailWithout(t, phpCurlMissing)) return;
    const client = pusherClient(port);
    await subscribed(client, 'orders');
    const got = next(client, 'orders', 'filled');
    const run = await runPhp([SCRIPT, 'orders', 'filled', '{"qty":3}'], env);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /triggered filled on orders/);
    assert.deepEqual(await got, { qty: 3 });
  });

  test('a wrong secret is refused with 401 and exit code 1', async (t) => {
    if (skipOrFailWithout(t, phpCurlMissing)) return;
    const run = await runPhp([SCRIPT, 'orders', 'filled', '{}'], { ...env, PUSHER_SECRET: 'wrong' });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /HTTP 401: Invalid signature/);
  });
});
