import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kind } from '../../../../src/protocol/index.js';
import type { PresenceSubject } from '../../../../src/server/engine/engine.js';
import { PresenceRegistry } from '../../../../src/server/engine/presence.js';

const subject = (id: string, userId: string | null, info?: unknown): PresenceSubject => ({ id, userId, claims: info === undefined ? {} : { info } });

test("a user's first connection joins and its last one leaves; the ones between are silent", () => {
  const registry = new PresenceRegistry();
  const a1 = subject('c1', 'alice', { name: 'Alice' });
  const a2 = subject('c2', 'alice', { name: 'Alice (phone)' });
  assert.deepEqual(registry.join('room', a1), { kind: Kind.Join, topic: 'room', connectionId: 'c1', userId: 'alice', info: { name: 'Alice' } });
  assert.equal(registry.join('room', a2), undefined);
  assert.equal(registry.join('room', a2), undefined, 'joining twice is a no-op');
  assert.deepEqual(registry.info('room'), {
    users: 1,
    connections: 2,
    members: [
      { userId: 'alice', connectionId: 'c1', info: { name: 'Alice' } },
      { userId: 'alice', connectionId: 'c2', info: { name: 'Alice (phone)' } },
    ],
  });
  assert.equal(registry.leave('room', a1), undefined);
  assert.deepEqual(registry.leave('room', a2), { kind: Kind.Leave, topic: 'room', connectionId: 'c2', userId: 'alice', info: { name: 'Alice (phone)' } });
  assert.equal(registry.leave('room', a2), undefined, 'leaving twice is a no-op');
});

test('anonymous connections are one member each, and never merge with a user of the same id', () => {
  const registry = new PresenceRegistry();
  assert.equal(registry.join('room', subject('x', null))?.kind, Kind.Join);
  assert.equal(registry.join('room', subject('y', null))?.kind, Kind.Join);
  // A user whose id equals an anonymous connection's id is still another member.
  assert.equal(registry.join('room', subject('z', 'x'))?.kind, Kind.Join);
  const info = registry.info('room');
  assert.equal(info.users, 3);
  assert.equal(info.connections, 3);
  assert.deepEqual(registry.join('room', subject('x', null)), undefined);
  assert.deepEqual(registry.leave('room', subject('x', null)), { kind: Kind.Leave, topic: 'room', connectionId: 'x', userId: null });
});

test('topics are independent, and a topic is forgotten when its last member leaves', () => {
  const registry = new PresenceRegistry();
  const a = subject('c1', 'alice');
  registry.join('one', a);
  registry.join('two', a);
  assert.equal(registry.topicCount, 2);
  registry.leave('one', a);
  assert.equal(registry.topicCount, 1);
  assert.deepEqual(registry.info('one'), { users: 0, connections: 0, members: [] });
  registry.leave('two', a);
  assert.equal(registry.topicCount, 0);
});

test('the member list is capped and marked truncated; counts stay exact', () => {
  const registry = new PresenceRegistry();
  for (let i = 0; i < 5; i++) registry.join('big', subject(`c${i}`, i < 2 ? 'alice' : `user${i}`));
  const capped = registry.info('big', 3);
  assert.equal(capped.users, 4);
  assert.equal(capped.connections, 5);
  assert.equal(capped.members.length, 3);
  assert.equal(capped.truncated, true);
  assert.equal(registry.info('big', 5).truncated, undefined);
});

test('info answers copies: callers cannot change the registry', () => {
  const registry = new PresenceRegistry();
  registry.join('room', subject('c1', 'alice'));
  registry.info('room').members[0]!.userId = 'mallory';
  assert.equal(registry.info('room').members[0]!.userId, 'alice');
});
