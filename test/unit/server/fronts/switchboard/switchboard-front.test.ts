/**
 * The native front against fakes of the transport: what one inbound WebSocket message does (decode,
 * limits, frame dispatch to the frame rules) and what a new socket is told, with wire numbers checked
 * against the protocol's tables (docs/protocol.md §7-§9), not against our own constants.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encode } from '@msgpack/msgpack';
import type { ServerOptions } from '../../../../../src/server/config/options.js';
import { resolveOptions } from '../../../../../src/server/config/resolve.js';
import { Connection } from '../../../../../src/server/connection/connection.js';
import { ConnectionGuard } from '../../../../../src/server/connection/guard.js';
import { Permissions } from '../../../../../src/server/connection/permissions.js';
import { createRefresher } from '../../../../../src/server/connection/token-refresh.js';
import { Lifecycle } from '../../../../../src/server/connection/lifecycle.js';
import { Publisher } from '../../../../../src/server/core/publisher.js';
import { ConnectionRegistry } from '../../../../../src/server/connection/registry.js';
import { TopicCore } from '../../../../../src/server/core/topic-core.js';
import { newTrafficCounters } from '../../../../../src/server/connection/traffic.js';
import { MemoryEngine } from '../../../../../src/server/engine/memory-engine.js';
import { SWITCHBOARD_WIRES, switchboardWire } from '../../../../../src/server/fronts/switchboard/formats.js';
import { SwitchboardFront } from '../../../../../src/server/fronts/switchboard/switchboard-front.js';
import { FrameRules } from '../../../../../src/server/fronts/switchboard/frame-rules.js';
import { FakeFanout, FakeSocket } from '../../../../helpers/fake-transport.js';

function frontFixture(input: Partial<ServerOptions> = {}) {
  const options = resolveOptions({ logLevel: 'silent', ...input }, {});
  const fanout = new FakeFanout();
  const engine = new MemoryEngine();
  const namespaces = options.namespaceTable;
  const core = new TopicCore({ fanout, engine, namespaces, wires: SWITCHBOARD_WIRES, limits: options });
  void engine.start(core);
  const registry = new ConnectionRegistry<Connection>();
  const errors: Error[] = [];
  const opened: string[] = [];
  const rules = new FrameRules({
    core,
    publisher: new Publisher(engine, namespaces, options.maxTopicBytes),
    presence: engine.presence,
    options,
    hooks: options,
    report: (error) => errors.push(error),
    guards: { permissions: new Permissions(namespaces, undefined), refresh: createRefresher(undefined) },
  });
  const traffic = newTrafficCounters();
  const front = new SwitchboardFront({
    limits: { maxPayloadBytes: options.maxPayloadBytes, maxSubscriptions: options.maxSubscriptions, maxTopicBytes: options.maxTopicBytes },
    rules,
    lifecycle: new Lifecycle(registry, core, { onOpen: (client) => void opened.push(client.id) }, (_c, run) => void run()),
    traffic,
    reportError: (error) => errors.push(error),
  });
  let ids = 0;
  const open = (format: 'msgpack' | 'json' = 'msgpack') => {
    const connection = new Connection(core, `c${ids++}`, null, {}, '127.0.0.1', switchboardWire(format));
    connection.guard = new ConnectionGuard(options, undefined);
    const socket = new FakeSocket();
    connection.socket = socket;
    front.open(connection);
    return { connection, socket };
  };
  const send = (connection: Connection, bytes: Uint8Array | string) => {
    const buffer = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
    front.message(connection, buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer, typeof bytes !== 'string');
  };
  return { front, registry, traffic, errors, opened, open, send, options };
}

test('a new socket gets a Welcome (16) with its id and limits, is registered, and onOpen runs after', () => {
  const { open, registry, opened } = frontFixture();
  const { connection, socket } = open();
  const [welcome] = socket.frames() as unknown[][];
  assert.equal(welcome![0], 16);
  assert.equal(welcome![1], connection.id);
  assert.equal(registry.byId.get(connection.id), connection);
  assert.deepEqual(opened, [connection.id]);
});

test('several frames in one message run in order; Ping (5) is answered with a Reply (21)', () => {
  const { open, send } = frontFixture();
  const { connection, socket } = open();
  const message = new Uint8Array([...encode([1, 1, ['a']]), ...encode([5, 2])]);
  send(connection, message);
  const replies = (socket.frames() as unknown[][]).slice(1);
  assert.deepEqual(replies.map((frame) => [frame[0], frame[1]]), [[21, 1], [21, 2]]);
  assert.ok(connection.topics.has('a'));
});

test('a bad frame is answered with Error 101 and the connection stays usable', () => {
  const { open, send, traffic } = frontFixture();
  const { connection, socket } = open();
  send(connection, encode([1, 'not an id']));
  send(connection, encode([5, 3]));
  const frames = (socket.frames() as unknown[][]).slice(1);
  assert.deepEqual([frames[0]![0], frames[0]![2]], [22, 101]);
  assert.deepEqual([frames[1]![0], frames[1]![1]], [21, 3]);
  assert.equal(socket.closedWith, undefined);
  assert.equal(traffic.badFrames, 1);
});

test('a message over maxPayloadBytes closes with 1009; a text message in msgpack mode with 1003', () => {
  const { open, send } = frontFixture({ maxPayloadBytes: 1024 });
  const big = open();
  send(big.connection, new Uint8Array(2000));
  assert.equal(big.socket.closedWith?.code, 1009);
  const text = open();
  send(text.connection, '[5,1]');
  assert.equal(text.socket.closedWith?.code, 1003);
  assert.match(text.socket.closedWith?.reason ?? '', /binary/);
});

test('JSON mode takes text frames and answers in text', () => {
  const { open, send } = frontFixture();
  const { connection, socket } = open('json');
  send(connection, '[5,7]');
  assert.equal(typeof socket.sent[1], 'string');
  assert.deepEqual((socket.frames()[1] as unknown[]).slice(0, 2), [21, 7]);
});

test('more frames than messagesPerSecond allows closes with 4002 and counts it', () => {
  const { open, send, traffic } = frontFixture({ messagesPerSecond: 1, maxSubscriptions: 1 });
  const { connection, socket } = open();
  const many = new Uint8Array(Array.from({ length: 10 }, (_, i) => [...encode([5, i + 1])]).flat());
  send(connection, many);
  assert.equal(socket.closedWith?.code, 4002);
  assert.equal(traffic.rateLimited, 1);
});

test('a handler that throws does not escape: the client gets Error 111 (HANDLER_FAILED) without details and onError hears it', () => {
  const { open, send, errors } = frontFixture({ onMessage: () => { throw new Error('boom'); } });
  const { connection, socket } = open();
  send(connection, encode([6, 4, 'x']));
  const last = socket.frames().at(-1) as unknown[];
  assert.deepEqual([last[0], last[1]], [22, 4]);
  assert.deepEqual(last.slice(2), [111, 'handler failed'], 'the error text stays on the server');
  assert.equal(errors.length, 1);
});

test('close: the connection is unregistered, its subscriptions dropped, and nothing touches the socket again', () => {
  const { open, send, front, registry } = frontFixture();
  const { connection, socket } = open();
  send(connection, encode([1, 1, ['a']]));
  connection.closed = true;
  connection.socket = undefined;
  front.close(connection, 1000, '');
  assert.equal(registry.size, 0);
  assert.equal(connection.topics.size, 0);
  assert.equal(connection.send('late'), false, 'sending after close is a no-op');
  connection.close(4000, 'late');
  assert.equal(socket.closedWith, undefined, 'close after close never reaches the socket');
});
