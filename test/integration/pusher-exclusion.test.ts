/**
 * Sender exclusion against real uWS fan-out (in-memory engine): uWS drops the messages a socket
 * has not been sent yet on a topic it unsubscribes from in the same tick, so exclusion must never
 * take the socket out of the topic; it publishes through the socket itself (`ws.publish`, which
 * skips its sender) instead.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { APP, connected, pusherClient, serverSdk, subscribed } from '../helpers/pusher.js';
import { startServer, waitFor } from '../helpers/server.js';

describe('Pusher sender exclusion on real uWS fan-out', async () => {
  const { port } = await startServer({ pusher: { apps: [{ ...APP }] } });
  const sdk = serverSdk(port);

  test('a batch whose later event excludes the sender does not take the earlier events of the same tick from it', async () => {
    const sender = pusherClient(port);
    const other = pusherClient(port);
    const senderId = await connected(sender);
    await subscribed(sender, 'batch-room');
    await subscribed(other, 'batch-room');
    const got = { sender: [] as unknown[], other: [] as unknown[] };
    sender.channel('batch-room').bind('step', (data: unknown) => got.sender.push(data));
    other.channel('batch-room').bind('step', (data: unknown) => got.other.push(data));
    // One request: all four are published in one tick, so uWS has sent none of them yet when the
    // excluded ones are published.
    await sdk.triggerBatch([
      { channel: 'batch-room', name: 'step', data: '1' },
      { channel: 'batch-room', name: 'step', data: '2', socket_id: senderId } as never,
      { channel: 'batch-room', name: 'step', data: '3' },
      { channel: 'batch-room', name: 'step', data: '4', socket_id: senderId } as never,
    ]);
    await waitFor(() => got.other.length === 4, 5000, 'four events at the other socket');
    await sdk.trigger('batch-room', 'step', '5');
    await waitFor(() => got.sender.includes(5), 5000, 'the marker at the sender');
    assert.deepEqual(got.other, [1, 2, 3, 4, 5]);
    assert.deepEqual(got.sender, [1, 3, 5], 'earlier events of the tick are not lost, excluded ones not echoed');
  });
});
