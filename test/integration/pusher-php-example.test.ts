/**
 * examples/pusher/trigger.php (a Pusher HTTP API request signed by hand in plain PHP) against a
 * real server, received by pusher-js. Skips visibly where PHP is not installed; fails under CI.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { APP, next, pusherClient, subscribed } from '../helpers/pusher.js';
import { skipOrFailWithout } from '../helpers/requirements.js';
import { startServer } from '../helpers/server.js';

const SCRIPT = fileURLToPath(new URL('../../examples/pusher/trigger.php', import.meta.url));
const php = spawnSync('php', ['-r', 'echo function_exists("curl_init") ? "yes" : "no";'], { encoding: 'utf8' });
const phpMissing = php.error ? 'php is not installed (apt-get install php-cli php-curl)' : php.stdout !== 'yes' ? 'php has no curl extension (apt-get install php-curl)' : false;

function runPhp(args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('php', [SCRIPT, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

describe('PHP Pusher trigger example', async () => {
  const { port, http } = await startServer({ pusher: { apps: [{ ...APP }] } });
  const env = { PUSHER_HOST: http, PUSHER_APP_ID: APP.id, PUSHER_KEY: APP.key, PUSHER_SECRET: APP.secret };

  test('a hand-signed request triggers an event pusher-js receives', async (t) => {
    if (skipOrFailWithout(t, phpMissing)) return;
    const client = pusherClient(port);
    await subscribed(client, 'orders');
    const got = next(client, 'orders', 'filled');
    const run = await runPhp(['orders', 'filled', '{"qty":3}'], env);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /triggered filled on orders/);
    assert.deepEqual(await got, { qty: 3 });
  });

  test('a wrong secret is refused with 401 and exit code 1', async (t) => {
    if (skipOrFailWithout(t, phpMissing)) return;
    const run = await runPhp(['orders', 'filled', '{}'], { ...env, PUSHER_SECRET: 'wrong' });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /HTTP 401: Invalid signature/);
  });
});
