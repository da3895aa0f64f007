/**
 * examples/php/mint-token.php, run by the real PHP CLI (Debian php-cli), mints the connection
 * tokens a PHP backend hands to its pages: a real server with the same secret accepts them (user
 * id, `topics` and `info` claims arrive), and refuses tokens minted with another secret or
 * already expired. Skips visibly where PHP is not installed; fails under CI.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { ErrorCode } from '../../src/protocol/index.js';
import { connectClient } from '../helpers/clients.js';
import { phpMissing, runPhp } from '../helpers/php.js';
import { skipOrFailWithout } from '../helpers/requirements.js';
import { startServer, waitFor } from '../helpers/server.js';
import { upgradeStatus } from '../helpers/upgrade.js';

const SCRIPT = fileURLToPath(new URL('../../examples/php/mint-token.php', import.meta.url));
const SECRET = 'php-minted-secret-0123456789';

async function mint(args: string[], secret = SECRET): Promise<string> {
  const run = await runPhp([SCRIPT, ...args], { SWITCHBOARD_JWT_SECRET: secret });
  assert.equal(run.status, 0, run.stderr);
  const token = run.stdout.trim();
  assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'three base64url segments');
  return token;
}

describe('PHP token minting example', async () => {
  const { server, url } = await startServer({ jwtSecret: SECRET, namespaces: { 'private:': { subscribe: 'claim' } } });

  test('a minted token connects as its user, with its topics and info claims', async (t) => {
    if (skipOrFailWithout(t, phpMissing)) return;
    const token = await mint(['alice', '--ttl', '600', '--topics', 'private:alice, orders:*', '--info', '{"name": "Alice", "tags": {}}']);
    const client = connectClient(url, { token });
    const got: unknown[] = [];
    await client.subscribe('private:alice', (data) => got.push(data)); // allowed by the topics claim
    await client.subscribe('user:alice', (data) => got.push(data)); // owner: sub is the user id
    await assert.rejects(client.subscribe('private:bob', () => {}), (err: { code?: number }) => err.code === ErrorCode.Forbidden);

    const [connection] = [...server.clients.values()];
    assert.equal(connection?.userId, 'alice');
    assert.deepEqual(connection?.claims.topics, ['private:alice', 'orders:*']);
    assert.deepEqual(connection?.claims.info, { name: 'Alice', tags: {} });
    const exp = connection?.claims.exp as number;
    assert.ok(Math.abs(exp - (Date.now() / 1000 + 600)) < 60, `exp ${exp} is about 600 s from now`);

    await server.publish('private:alice', 'for alice');
    await server.publish('user:alice', 'to alice');
    await waitFor(() => got.length === 2, 3000, 'delivery');
    assert.deepEqual(got, ['for alice', 'to alice']);
    client.close();
  });

  test('the server refuses a token minted with another secret, and an expired one', async (t) => {
    if (skipOrFailWithout(t, phpMissing)) return;
    const forged = await mint(['alice'], 'another-secret-of-the-same-size');
    const refused = await upgradeStatus(`${url}?token=${forged}`);
    assert.deepEqual(refused.close, { code: 4504, reason: 'invalid token' });

    // The library function, as a PHP app calls it: issued two hours ago with a one-hour life.
    const code = `require '${SCRIPT}'; echo switchboard_mint_token('${SECRET}', 'alice', 3600, null, null, time() - 7200);`;
    const expired = await runPhp(['-r', code]);
    assert.equal(expired.status, 0, expired.stderr);
    const stale = await upgradeStatus(`${url}?token=${expired.stdout.trim()}`);
    assert.deepEqual(stale.close, { code: 4001, reason: 'token expired' });

    const good = await upgradeStatus(`${url}?token=${await mint(['alice'])}`);
    assert.deepEqual([good.status, good.close], [101, undefined], 'the same user with the right secret is accepted');
  });

  test('bad usage, a missing or short secret exit 2', async (t) => {
    if (skipOrFailWithout(t, phpMissing)) return;
    assert.equal((await runPhp([SCRIPT], { SWITCHBOARD_JWT_SECRET: SECRET })).status, 2);
    assert.equal((await runPhp([SCRIPT, 'alice', '--ttl', 'soon'], { SWITCHBOARD_JWT_SECRET: SECRET })).status, 2);
    assert.equal((await runPhp([SCRIPT, 'alice', '--info', '{oops'], { SWITCHBOARD_JWT_SECRET: SECRET })).status, 2);
    const short = await runPhp([SCRIPT, 'alice'], { SWITCHBOARD_JWT_SECRET: 'short' });
    assert.equal(short.status, 2);
    assert.match(short.stderr, /SWITCHBOARD_JWT_SECRET/);
  });
});
