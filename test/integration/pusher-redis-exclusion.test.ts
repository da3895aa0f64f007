/**
 * Pusher sender exclusion (`socket_id` on the HTTP API, client events) with the Redis engine: two
 * servers on one real redis-server, unmodified pusher-js clients on both. Redis delivers after
 * `publish` has returned, and on every node: the excluded socket must get nothing wherever it is
 * and whichever node published, while every other socket, on either node, gets everything.
 *
 * "Got nothing" is proven with a marker: an event published after the excluded one on the same
 * channel has a later seq, so once the excluded socket has the marker, an echo would have come first.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { APP, connected, pusherClient, serverSdk, startAuthEndpoint, subscribed } from '../helpers/pusher.js';
import { redisMissing, startRedis } from '../helpers/redis.js';
import { startServer, waitFor } from '../helpers/server.js';

type Client = ReturnType<typeof pusherClient>;

// Three nodes' worth of waiting on a loaded 2-core box: generous, never an oracle.
const WAIT_MS = 10_000;

describe('Pusher sender exclusion with the Redis engine: two servers, one Redis', { skip: redisMissing, timeout: 60_000 }, async () => {
  if (redisMissing !== undefined) return;
  const redis = await startRedis();
  const options = { pusher: { apps: [{ ...APP }] }, redis: { url: redis.url } };
  const nodes = { a: await startServer(options), b: await startServer(options) };
  const sdks = { a: serverSdk(nodes.a.port), b: serverSdk(nodes.b.port) };
  const auth = await startAuthEndpoint(sdks.a);
  let rooms = 0;

  /**
   * A sender on `senderOn` and a bystander on each node, all on one fresh channel, each recording
   * the events it receives (by name).
   */
  async function room(senderOn: 'a' | 'b', prefix = '') {
    const channel = `${prefix}room-${rooms++}`;
    const sender = pusherClient(nodes[senderOn].port, { authEndpoint: auth });
    const bystanders = [pusherClient(nodes.a.port, { authEndpoint: auth }), pusherClient(nodes.b.port, { authEndpoint: auth })];
    const got = new Map<Client, unknown[]>();
    for (const client of [sender, ...bystanders]) {
      await subscribed(client, channel);
      const seen: unknown[] = [];
      got.set(client, seen);
      client.channel(channel).bind_global((event: string, data: unknown) => {
        if (!event.startsWith('pusher')) seen.push({ [event]: data });
      });
    }
    const senderId = await connected(sender);
    /** Waits until every socket has received `event`. */
    const everyoneHas = (event: unknown) =>
      waitFor(() => [...got.values()].every((seen) => seen.some((entry) => JSON.stringify(entry) === JSON.stringify(event))), WAIT_MS, `${JSON.stringify(event)} at every socket`);
    return { channel, sender, senderId, bystanders, got, everyoneHas };
  }

  for (const [senderOn, via] of [['a', 'a'], ['b', 'a'], ['a', 'b']] as const) {
    const where = senderOn === via ? 'the publishing node (its delivery comes from Redis after publish returned)' : 'another node than the publishing one';
    test(`an HTTP event with socket_id of a socket on ${where} is not echoed to it; every other socket on both nodes gets it (sender on ${senderOn}, API of ${via})`, async () => {
      const { channel, sender, senderId, bystanders, got, everyoneHas } = await room(senderOn);
      await sdks[via].trigger(channel, 'post', { n: 1 }, { socket_id: senderId });
      await waitFor(() => bystanders.every((client) => got.get(client)!.length === 1), WAIT_MS, 'the event at both bystanders');
      await sdks[via].trigger(channel, 'post', { n: 2 });
      await everyoneHas({ post: { n: 2 } });
      assert.deepEqual(got.get(sender), [{ post: { n: 2 } }], 'the excluded socket got only the marker');
      for (const client of bystanders) assert.deepEqual(got.get(client), [{ post: { n: 1 } }, { post: { n: 2 } }]);
    });
  }

  for (const senderOn of ['a', 'b'] as const) {
    test(`a client event on a private channel with subscribers on both nodes is never echoed to its sender (sender on ${senderOn})`, async () => {
      const { channel, sender, bystanders, got, everyoneHas } = await room(senderOn, 'private-');
      assert.equal(sender.channel(channel).trigger('client-typing', { who: senderOn }), true);
      await waitFor(() => bystanders.every((client) => got.get(client)!.length === 1), WAIT_MS, 'the client event at both bystanders');
      await sdks[senderOn].trigger(channel, 'marker', {});
      await everyoneHas({ marker: {} });
      assert.deepEqual(got.get(sender), [{ marker: {} }], 'the sender got only the marker');
      for (const client of bystanders) assert.deepEqual(got.get(client), [{ 'client-typing': { who: senderOn } }, { marker: {} }]);
    });
  }

  for (const senderOn of ['a', 'b'] as const) {
    test(`a batch mixing plain and excluded events costs the sender none of the plain ones, however many arrive in one tick (sender on ${senderOn})`, async () => {
      const { channel, sender, senderId, bystanders, got, everyoneHas } = await room(senderOn);
      const batch = [1, 2, 3, 4, 5, 6].map((n) => ({ channel, name: 'step', data: String(n), ...(n % 2 === 0 ? { socket_id: senderId } : {}) }));
      await sdks.a.triggerBatch(batch as never);
      await waitFor(() => bystanders.every((client) => got.get(client)!.length === 6), WAIT_MS, 'the batch at both bystanders');
      await sdks.b.trigger(channel, 'step', 7);
      await everyoneHas({ step: 7 });
      assert.deepEqual(got.get(sender), [1, 3, 5, 7].map((n) => ({ step: n })));
      for (const client of bystanders) assert.deepEqual(got.get(client), [1, 2, 3, 4, 5, 6, 7].map((n) => ({ step: n })));
    });
  }

  test('bystanders on both nodes get every event of a mixed run (excluded, client and plain), in order', async () => {
    const { channel, sender, senderId, bystanders, got, everyoneHas } = await room('a', 'private-');
    const expected: unknown[] = [];
    for (let i = 0; i < 10; i++) {
      const sdk = i % 2 === 0 ? sdks.a : sdks.b;
      if (i % 3 === 0) {
        assert.equal(sender.channel(channel).trigger('client-step', { i }), true);
        expected.push({ 'client-step': { i } });
        // Client events are rate limited per socket and not ordered with HTTP events: let it land.
        await waitFor(() => bystanders.every((client) => got.get(client)!.length === expected.length), WAIT_MS, `client-step ${i}`);
      } else {
        await sdk.trigger(channel, 'step', { i }, i % 3 === 1 ? { socket_id: senderId } : undefined);
        expected.push({ step: { i } });
      }
    }
    await sdks.b.trigger(channel, 'marker', {});
    await everyoneHas({ marker: {} });
    for (const client of bystanders) assert.deepEqual(got.get(client), [...expected, { marker: {} }]);
    const notExcluded = expected.filter((event) => JSON.stringify(event).startsWith('{"step"') && (event as { step: { i: number } }).step.i % 3 === 2);
    assert.deepEqual(got.get(sender), [...notExcluded, { marker: {} }], JSON.stringify(got.get(sender)));
  });
});
