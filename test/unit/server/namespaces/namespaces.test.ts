import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OptionsError } from '../../../../src/protocol/errors.js';
import { DEFAULT_NAMESPACE_POLICY, Namespaces } from '../../../../src/server/namespaces/namespaces.js';

test('with no config every topic gets the safe default policy, user: topics belong to their owner', () => {
  const namespaces = new Namespaces();
  const chat = namespaces.match('chat:lobby');
  assert.equal(chat.prefix, '');
  assert.equal(chat.publish, 'nobody');
  assert.equal(chat.subscribe, 'anyone');
  assert.deepEqual(chat.history, DEFAULT_NAMESPACE_POLICY.history);
  assert.equal(namespaces.match('user:42').subscribe, 'owner');
});

test('the longest matching prefix wins and unset fields come from the default namespace', () => {
  const namespaces = new Namespaces({
    '': { presence: true },
    'prices:': { slowConsumer: 'conflate', history: false },
    'prices:fx:': { publish: 'authenticated' },
  });
  const fx = namespaces.match('prices:fx:eurusd');
  assert.equal(fx.prefix, 'prices:fx:');
  assert.equal(fx.publish, 'authenticated');
  assert.equal(fx.presence, true, 'inherited from the default namespace');
  assert.equal(fx.slowConsumer, 'drop', 'siblings do not inherit from shorter prefixes, only from the default');
  const btc = namespaces.match('prices:btc');
  assert.equal(btc.slowConsumer, 'conflate');
  assert.equal(btc.history, false);
  assert.equal(namespaces.match('other').prefix, '');
});

test('the base policy (flat presence/clientPublish options) feeds the default namespace', () => {
  const namespaces = new Namespaces({}, { publish: 'anyone' });
  assert.equal(namespaces.match('x').publish, 'anyone');
});

test('bad settings are refused naming the key', () => {
  const bad = (config: object, key: string) =>
    assert.throws(() => new Namespaces(config as never), (err: unknown) => err instanceof OptionsError && err.message.includes(key));
  bad({ 'chat:': { publish: 'everyone' } }, 'namespaces["chat:"].publish');
  bad({ 'chat:': { subscribe: 1 } }, 'namespaces["chat:"].subscribe');
  bad({ 'chat:': { history: { size: 0, ttlMs: 1 } } }, 'history.size');
  bad({ 'chat:': { history: true } }, 'namespaces["chat:"].history');
  bad({ 'chat:': { presense: true } }, 'namespaces["chat:"].presense');
  bad({ '': { slowConsumer: 'ignore' } }, 'namespaces[""].slowConsumer');
  bad({ 'a b': {} }, 'whitespace');
  bad({ 'chat:': { maxPublishBytes: -1 } }, 'namespaces["chat:"].maxPublishBytes');
  bad({ 'chat:': { latest: 'yes' } }, 'namespaces["chat:"].latest');
});

test('latest: off by default, inherited like every setting, and refused where history is off (there is nothing to send)', () => {
  assert.equal(new Namespaces().match('prices:btc').latest, false);
  const table = new Namespaces({ 'prices:': { latest: true, history: { size: 1, ttlMs: 60_000 } }, '': { latest: true }, 'audit:': { latest: false, history: false } });
  assert.equal(table.match('prices:btc').latest, true);
  assert.equal(table.match('chat:x').latest, true, 'from the default namespace');
  assert.equal(table.match('audit:x').latest, false);
  assert.throws(
    () => new Namespaces({ 'ticks:': { latest: true, history: false } }),
    (err: unknown) => err instanceof OptionsError && err.key === 'namespaces["ticks:"].latest' && /needs history/.test(err.message),
  );
  // Inherited from the default namespace onto one that turns history off: still refused, naming where.
  assert.throws(() => new Namespaces({ '': { latest: true }, 'audit:': { history: false } }), (err: unknown) => err instanceof OptionsError && err.key === 'namespaces["audit:"].latest');
});

test('a global client-publish setting does not open user: topics; configuring user: refines its built-in rules', () => {
  const open = new Namespaces({}, { publish: 'anyone' });
  assert.equal(open.match('chat:1').publish, 'anyone');
  assert.equal(open.match('user:1').publish, 'nobody', 'anonymous clients must not publish into user:1');
  const tuned = new Namespaces({ 'user:': { history: { size: 5, ttlMs: 1000 } } });
  assert.equal(tuned.match('user:7').subscribe, 'owner', 'setting history keeps the owner rule');
  assert.deepEqual(tuned.match('user:7').history, { size: 5, ttlMs: 1000 });
  const explicit = new Namespaces({ 'user:': { publish: 'authenticated' } });
  assert.equal(explicit.match('user:7').publish, 'authenticated', 'an explicit rule wins');
});
