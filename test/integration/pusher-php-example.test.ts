/**
 * examples/pusher/trigger.php (a Pusher HTTP API request signed by hand in plain PHP) against a
 * real server, received by pusher-js. Skips visibly where PHP is not installed; fails under CI.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { next, pusherClient, subscribed } from '../helpers/pusher.js';
import { phpCurlMissing, runPhp } from '../helpers/php.js';
import { skipOrFailWithout } from '../helpers/requirements.js';
import { startServer } from '../helpers/server.js';

const SCRIPT = fileURLToPath(new URL('../../examples/pusher/trigger.php', import.meta.url));

/** The PUSHER_ lines of the Laravel example's .env, which the script must read as they are. */
function laravelEnv(): Record<string, string> {
  const text = readFileSync(fileURLToPath(new URL('../../examples/laravel-echo/.env.example', import.meta.url)), 'utf8');
  return Object.fromEntries([...text.matchAll(/^(PUSHER_[A-Z_]+)=(.*)$/gm)].map((match) => [match[1]!, match[2]!]));
}

describe('PHP Pusher trigger example', async () => {
  const dotEnv = laravelEnv();
  // The server configured with the app that .env.example names.
  const app = { id: dotEnv.PUSHER_APP_ID!, key: dotEnv.PUSHER_APP_KEY!, secret: dotEnv.PUSHER_APP_SECRET! };
  const { port } = await startServer({ pusher: { apps: [app] } });
  // Only the port differs on a test box.
  const env = { ...dotEnv, PUSHER_PORT: String(port) };

  test('a hand-signed request triggers an event pusher-js receives', async (t) => {
    if (skipOrFailWithout(t, phpCurlMissing)) return;
    const client = pusherClient(port, { key: app.key });
    await subscribed(client, 'orders');
    const got = next(client, 'orders', 'filled');
    const run = await runPhp([SCRIPT, 'orders', 'filled', '{"qty":3}'], env);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /triggered filled on orders/);
    assert.deepEqual(await got, { qty: 3 });
  });

  test('a wrong secret is refused with 401 and exit code 1', async (t) => {
    if (skipOrFailWithout(t, phpCurlMissing)) return;
    const run = await runPhp([SCRIPT, 'orders', 'filled', '{}'], { ...env, PUSHER_APP_SECRET: 'wrong' });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /HTTP 401: Invalid signature/);
  });

  test('a missing secret is refused before any request, naming the variable (no default secret)', async (t) => {
    if (skipOrFailWithout(t, phpCurlMissing)) return;
    const run = await runPhp([SCRIPT, 'orders', 'filled', '{}'], { ...env, PUSHER_APP_SECRET: '' });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /PUSHER_APP_SECRET is not set/);
  });
});
