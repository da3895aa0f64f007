/**
 * The `redis` settings: where Redis is (a redis:// URL, a redis+sentinel:// URL, or sentinels and
 * a master name in the config), the replica WAIT settings, and how settings from the environment,
 * a config file and code merge. Pure: nothing connects.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OptionsError } from '../../../../src/protocol/errors.js';
import { resolveOptions } from '../../../../src/server/config/resolve.js';
import { mergeRedisSettings, redisTarget, resolveRedisOptions } from '../../../../src/server/engine/redis/options.js';

const refused = (input: Record<string, unknown>, key: string, message: RegExp) =>
  assert.throws(() => resolveRedisOptions(input), (err: unknown) => err instanceof OptionsError && err.key === key && message.test(err.message), `${key}: ${JSON.stringify(input)}`);

test('a redis+sentinel:// URL names the sentinels (26379 by default), the master, its credentials and db', () => {
  assert.deepEqual(redisTarget(resolveRedisOptions({ url: 'redis+sentinel://10.0.0.1:26380,10.0.0.2,[::1]:5000/mymaster' })), {
    kind: 'sentinel',
    sentinels: [
      { host: '10.0.0.1', port: 26380 },
      { host: '10.0.0.2', port: 26379 },
      { host: '::1', port: 5000 },
    ],
    name: 'mymaster',
    username: undefined,
    password: undefined,
    db: 0,
  });
  const full = redisTarget(resolveRedisOptions({ url: 'redis+sentinel://app:p%40ss@s1:1/my%20master/3' }));
  assert.deepEqual(full, { kind: 'sentinel', sentinels: [{ host: 's1', port: 1 }], name: 'my master', username: 'app', password: 'p@ss', db: 3 });
  const passwordOnly = redisTarget(resolveRedisOptions({ url: 'redis+sentinel://:secret@s1/m' }));
  assert.equal(passwordOnly.kind === 'sentinel' && passwordOnly.password, 'secret');
  assert.deepEqual(redisTarget(resolveRedisOptions({ url: 'redis://127.0.0.1:6379/2' })), { kind: 'direct', url: 'redis://127.0.0.1:6379/2' });
});

test('sentinels and a name in the config select Sentinel without a URL', () => {
  const options = resolveRedisOptions({ sentinels: [{ host: 's1', port: 26379 }, { host: 's2' }], name: 'mymaster' });
  assert.deepEqual(redisTarget(options), { kind: 'sentinel', sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26379 }], name: 'mymaster', username: undefined, password: undefined, db: 0 });
});

test('bad Sentinel settings are refused with a message naming the key and the expected form', () => {
  refused({ url: 'redis+sentinel://s1:26379' }, 'redis.url', /needs the master name/);
  refused({ url: 'redis+sentinel://s1:26379/' }, 'redis.url', /needs the master name/);
  refused({ url: 'redis+sentinel:///mymaster' }, 'redis.url', /host\[:port\]/);
  refused({ url: 'redis+sentinel://s1,,s2/mymaster' }, 'redis.url', /host\[:port\]/);
  refused({ url: 'redis+sentinel://s1:0/mymaster' }, 'redis.url', /bad sentinel address "s1:0"/);
  refused({ url: 'redis+sentinel://s1:99999/mymaster' }, 'redis.url', /bad sentinel address/);
  refused({ url: 'redis+sentinel://s1:port/mymaster' }, 'redis.url', /bad sentinel address "s1:port"/);
  refused({ url: 'redis+sentinel://s1/mymaster/db1' }, 'redis.url', /database number/);
  refused({ url: 'redis+sentinel://s1/mymaster/1/2' }, 'redis.url', /database number/);
  refused({ url: 'redis+sentinel://s1/mymaster?db=1' }, 'redis.url', /no query/);
  refused({ url: 'redis+sentinel:s1/mymaster' }, 'redis.url', /must look like redis\+sentinel:\/\//);
  refused({ url: 'redis+sentinel://a:%zz@s1/mymaster' }, 'redis.url', /percent-encoded password/);
  refused({ url: 'rediss+sentinel://s1/mymaster' }, 'redis.url', /TLS through Sentinel .* not supported/);
  refused({ url: 'http://s1/mymaster' }, 'redis.url', /redis\+sentinel:\/\//);
  refused({}, 'redis.url', /is required \(or redis.sentinels with redis.name\)/);
  refused({ name: 'mymaster' }, 'redis.sentinels', /is required with redis.name/);
  refused({ sentinels: [{ host: 's1', port: 26379 }] }, 'redis.name', /master name/);
  refused({ sentinels: [], name: 'm' }, 'redis.sentinels', /non-empty array/);
  refused({ sentinels: 's1:26379', name: 'm' }, 'redis.sentinels', /non-empty array/);
  refused({ sentinels: [{ host: 's1' }, { port: 1 }], name: 'm' }, 'redis.sentinels[1].host', /non-empty string/);
  refused({ sentinels: [{ host: 's1', port: 70000 }], name: 'm' }, 'redis.sentinels[0].port', /1 to 65535/);
  refused({ url: 'redis://h:6379', sentinels: [{ host: 's1' }], name: 'm' }, 'redis.sentinels', /either redis.url or redis.sentinels/);
  refused({ url: 'redis://h:6379', name: 'm' }, 'redis.name', /either redis.url or redis.sentinels/);
});

test('waitReplicas and waitTimeoutMs: defaults, and a WAIT longer than the command timeout is refused', () => {
  const defaults = resolveRedisOptions({ url: 'redis://h' });
  assert.equal(defaults.waitReplicas, 0);
  assert.equal(defaults.waitTimeoutMs, 500);
  assert.equal(resolveRedisOptions({ url: 'redis://h', waitReplicas: 2, waitTimeoutMs: 1000 }).waitReplicas, 2);
  refused({ url: 'redis://h', waitReplicas: -1 }, 'redis.waitReplicas', /non-negative integer/);
  refused({ url: 'redis://h', waitReplicas: 1.5 }, 'redis.waitReplicas', /non-negative integer/);
  refused({ url: 'redis://h', waitTimeoutMs: 0 }, 'redis.waitTimeoutMs', /positive integer/);
  refused({ url: 'redis://h', waitReplicas: 1, waitTimeoutMs: 2000 }, 'redis.waitTimeoutMs', /less than redis.commandTimeoutMs \(2000\)/);
  assert.equal(resolveRedisOptions({ url: 'redis://h', commandTimeoutMs: 500 }).waitTimeoutMs, 500, 'unchecked without WAIT');
});

test('env SWITCHBOARD_REDIS_SENTINELS + SWITCHBOARD_REDIS_MASTER select Sentinel; with SWITCHBOARD_REDIS_URL, or one without the other, they are refused', () => {
  const env = { SWITCHBOARD_REDIS_SENTINELS: '10.0.0.1:26379, 10.0.0.2', SWITCHBOARD_REDIS_MASTER: 'mymaster' };
  assert.deepEqual(resolveOptions({}, env).redis, { sentinels: [{ host: '10.0.0.1', port: 26379 }, { host: '10.0.0.2', port: 26379 }], name: 'mymaster' });
  // Code settings keep the env's location; a URL in code replaces it.
  assert.deepEqual(resolveOptions({ redis: { keyPrefix: 'x' } }, env).redis, { sentinels: [{ host: '10.0.0.1', port: 26379 }, { host: '10.0.0.2', port: 26379 }], name: 'mymaster', keyPrefix: 'x' });
  assert.deepEqual(resolveOptions({ redis: { url: 'redis://h' } }, env).redis, { url: 'redis://h' });
  const bad = (badEnv: NodeJS.ProcessEnv, key: string, message: RegExp) =>
    assert.throws(() => resolveOptions({}, badEnv), (err: unknown) => err instanceof OptionsError && err.key === key && message.test(err.message), JSON.stringify(badEnv));
  bad({ ...env, SWITCHBOARD_REDIS_URL: 'redis://h' }, 'SWITCHBOARD_REDIS_SENTINELS', /not both/);
  bad({ SWITCHBOARD_REDIS_MASTER: 'mymaster' }, 'SWITCHBOARD_REDIS_SENTINELS', /is required with SWITCHBOARD_REDIS_MASTER/);
  bad({ SWITCHBOARD_REDIS_SENTINELS: 's1' }, 'SWITCHBOARD_REDIS_MASTER', /is required with SWITCHBOARD_REDIS_SENTINELS/);
  bad({ SWITCHBOARD_REDIS_SENTINELS: 's1:x', SWITCHBOARD_REDIS_MASTER: 'm' }, 'SWITCHBOARD_REDIS_SENTINELS', /bad sentinel address "s1:x"/);
});

test('a higher source saying where Redis is replaces the lower one\'s location whole, and keeps its other settings', () => {
  const file = { sentinels: [{ host: 's1', port: 26379 }], name: 'm', keyPrefix: 'feeds' };
  assert.deepEqual(mergeRedisSettings(file, { url: 'redis://h' }), { url: 'redis://h', keyPrefix: 'feeds' });
  assert.deepEqual(mergeRedisSettings({ url: 'redis://h', sharded: true }, { sentinels: [{ host: 's2', port: 1 }], name: 'n' }), { sentinels: [{ host: 's2', port: 1 }], name: 'n', sharded: true });
  assert.deepEqual(mergeRedisSettings(file, { keyPrefix: 'other' }), { ...file, keyPrefix: 'other' });
});
