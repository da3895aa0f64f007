import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, LimitError, OptionsError } from '../../../../src/protocol/index.js';
import { Admission } from '../../../../src/server/connection/admission.js';
import { createClientAddressResolver, normalizeAddress } from '../../../../src/server/connection/client-address.js';
import { resolveOptions } from '../../../../src/server/config/resolve.js';
import { BucketMap, takeFromDue, TokenBucket } from '../../../../src/server/connection/rate-limit.js';
import { ConnectionGuard } from '../../../../src/server/connection/guard.js';
import fc from 'fast-check';
import { seeded } from '../../../helpers/fc-seed.js';

test('a token bucket allows its burst, then refills at its rate', () => {
  const bucket = new TokenBucket(10, 20, 0);
  for (let i = 0; i < 20; i++) assert.equal(bucket.take(1, 0), true);
  assert.equal(bucket.take(1, 0), false);
  assert.equal(bucket.retryAfterSeconds(1, 0), 1);
  assert.equal(bucket.take(1, 100), true); // 100 ms = 1 token
  assert.equal(bucket.take(1, 100), false);
  assert.equal(bucket.take(20, 10_000), true); // never more than the burst
  assert.equal(bucket.take(1, 10_000), false);
});

test('a bucket held as its due time decides every take as an exact token bucket does', () => {
  // The oracle counts in token-milliseconds, integers only; rates that divide 1000 keep the due
  // time exact too, so the two must agree on every take, including those exactly at the limit.
  const rate = fc.constantFrom(1, 2, 4, 5, 8, 10, 20, 25, 40, 50, 100, 125, 200, 250, 500, 1000);
  const step = fc.record({ elapsedMs: fc.integer({ min: 0, max: 3000 }), n: fc.integer({ min: 1, max: 40 }) });
  fc.assert(
    fc.property(rate, fc.integer({ min: 1, max: 30 }), fc.array(step, { maxLength: 60 }), (perSecond, burst, steps) => {
      let due = 0;
      let now = 1_700_000_000_000;
      let scaled = burst * 1000;
      let last = now;
      for (const { elapsedMs, n } of steps) {
        now += elapsedMs;
        scaled = Math.min(burst * 1000, scaled + (now - last) * perSecond);
        last = now;
        const allowed = scaled >= n * 1000;
        if (allowed) scaled -= n * 1000;
        const next = takeFromDue(due, n, perSecond, burst, now);
        assert.equal(next >= 0, allowed, `take ${n} at +${elapsedMs} ms`);
        if (next >= 0) due = next;
      }
    }),
    seeded('due-time bucket vs integer token bucket'),
  );
});

test('a connection guard holds its admission slot until released or disposed, and frees it once', () => {
  const admission = new Admission({ maxConnections: 1, maxConnectionsPerIp: 0, connectsPerSecond: 0 });
  admission.reserve('a');
  const guard = new ConnectionGuard({ messagesPerSecond: 0, bytesPerSecond: 0, maxPayloadBytes: 1, maxSubscriptions: 1 }, admission, 'a');
  assert.throws(() => admission.reserve('b'), (err: unknown) => err instanceof LimitError && err.code === ErrorCode.Overloaded);
  guard.release();
  guard.dispose();
  guard.release();
  assert.equal(admission.held, 0);
  assert.equal(admission.addresses, 0);
  admission.reserve('b');
  assert.equal(admission.held, 1);
});

test('a connection guard without limits allows everything; with limits, its burst', () => {
  const open = new ConnectionGuard({ messagesPerSecond: 0, bytesPerSecond: 0, maxPayloadBytes: 10, maxSubscriptions: 0 });
  assert.equal(open.allowFrames(1e9), true);
  assert.equal(open.allowBytes(1e12), true);
  // A token every 1,000 s: nothing comes back during the test. Bursts: 3 frames (2 x rate + 3
  // subscriptions, rounded down) and 10 bytes (maxPayloadBytes).
  const guard = new ConnectionGuard({ messagesPerSecond: 0.001, bytesPerSecond: 0.001, maxPayloadBytes: 10, maxSubscriptions: 3 });
  assert.equal(guard.allowFrames(3), true);
  assert.equal(guard.allowFrames(1), false);
  assert.equal(guard.allowBytes(11), false, 'more than the burst is never allowed');
  assert.equal(guard.allowBytes(10), true);
  assert.equal(guard.allowBytes(1), false);
});

test('a bucket map keeps one bucket per key and stays bounded', () => {
  const map = new BucketMap(1, 2, 3);
  assert.equal(map.take('a', 1, 0), 0);
  assert.equal(map.take('a', 1, 0), 0);
  assert.ok(map.take('a', 1, 0) >= 1);
  assert.equal(map.take('b', 1, 0), 0);
  for (let i = 0; i < 100; i++) map.take(`k${i}`, 1, 0);
  assert.ok(map.size <= 3);
});

test('admission: attempt rate, total cap and per-address cap, with idempotent release', () => {
  const admission = new Admission({ maxConnections: 3, maxConnectionsPerIp: 2, connectsPerSecond: 0 });
  const a1 = admission.admit('a');
  admission.admit('a');
  assert.throws(() => admission.admit('a'), (err: unknown) => err instanceof LimitError && err.code === ErrorCode.LimitExceeded && err.retryAfterSeconds! >= 1);
  admission.admit('b');
  assert.throws(() => admission.admit('c'), (err: unknown) => err instanceof LimitError && err.code === ErrorCode.Overloaded);
  a1.release();
  a1.release();
  assert.equal(admission.held, 2);
  admission.admit('c');
  const storm = new Admission({ maxConnections: 0, maxConnectionsPerIp: 0, connectsPerSecond: 2 });
  for (let i = 0; i < 4; i++) storm.admit(`x${i}`).release();
  assert.throws(() => storm.admit('y'), (err: unknown) => err instanceof LimitError && err.code === ErrorCode.Overloaded);
  assert.equal(storm.addresses, 0);
});

test('client address: X-Forwarded-For only from trusted proxies, right-most untrusted hop wins', () => {
  assert.equal(normalizeAddress('::ffff:10.1.2.3'), '10.1.2.3');
  assert.equal(normalizeAddress('0000:0000:0000:0000:0000:ffff:10.1.2.3'), '10.1.2.3');
  const none = createClientAddressResolver([]);
  assert.equal(none('10.0.0.1', '1.2.3.4'), '10.0.0.1');
  const resolve = createClientAddressResolver(['10.0.0.0/8', '::1']);
  assert.equal(resolve('10.0.0.1', '1.2.3.4'), '1.2.3.4');
  assert.equal(resolve('10.0.0.1', '6.6.6.6, 1.2.3.4, 10.0.0.2'), '1.2.3.4');
  assert.equal(resolve('::1', '2001:db8::5'), '2001:db8::5');
  assert.equal(resolve('192.0.2.1', '1.2.3.4'), '192.0.2.1');
  assert.equal(resolve('10.0.0.1', ''), '10.0.0.1');
  assert.equal(resolve('10.0.0.1', 'garbage'), '10.0.0.1');
  assert.equal(resolve('10.0.0.1', '10.0.0.3'), '10.0.0.3');
});

test('limit and key options are validated naming the key', () => {
  const bad = (input: Record<string, unknown>, key: string) =>
    assert.throws(() => resolveOptions(input as never, {}), (err: unknown) => err instanceof OptionsError && err.key === key, key);
  bad({ maxConnections: -1 }, 'maxConnections');
  bad({ connectsPerSecond: 1.5 }, 'connectsPerSecond');
  bad({ authTimeoutMs: 0 }, 'authTimeoutMs');
  bad({ trustedProxies: ['not-an-ip'] }, 'trustedProxies');
  bad({ trustedProxies: ['10.0.0.0/33'] }, 'trustedProxies');
  bad({ jwtAlgorithms: ['none'] }, 'jwtAlgorithms');
  bad({ jwtSecret: 'a-secret-of-16-chars', jwtAlgorithms: ['RS256'] }, 'jwtAlgorithms');
  bad({ jwtAlgorithms: ['HS256'] }, 'jwtAlgorithms');
  bad({ jwksUrl: 'ftp://x' }, 'jwksUrl');
  bad({ jwtPublicKey: '-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----' }, 'jwtPublicKey');
  const defaults = resolveOptions({}, {});
  assert.equal(defaults.messagesPerSecond, 100);
  assert.equal(defaults.maxConnectionsPerIp, 1000);
  assert.equal(defaults.authTimeoutMs, 5000);
  assert.equal(resolveOptions({ messagesPerSecond: 0 }, {}).messagesPerSecond, 0);
});
