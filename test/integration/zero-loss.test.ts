/**
 * The delivery guarantee end to end through the SDK: at-most-once live delivery plus recovery
 * from history means an application handler sees every message exactly once, in order, across
 * forced disconnects and slow-consumer drops, or hears a `gap` event when that is impossible.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { GapEvent, SwitchboardClient } from '../../src/client/index.js';
import { CloseCode } from '../../src/protocol/index.js';
import type { Connection } from '../../src/server/connection/connection.js';
import { connectClient } from '../helpers/clients.js';
import type { ServerOptions } from '../../src/server/index.js';
import { freePort, sleep, startServer, waitFor } from '../helpers/server.js';

/** Collects a topic's messages as the application sees them, with every gap event. */
async function follow(client: SwitchboardClient, topic: string) {
  const seen: number[] = [];
  const seqs: number[] = [];
  const gaps: GapEvent[] = [];
  const recoveries: Array<boolean | undefined> = [];
  client.on('gap', (gap) => gaps.push(gap));
  client.on('subscribed', (event) => event.topic === topic && recoveries.push(event.recovered));
  await client.subscribe(topic, (data, context) => {
    seen.push((data as { n: number }).n);
    seqs.push(context.seq);
  });
  return { seen, seqs, gaps, recoveries };
}

const upTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

// Every guarantee must hold whether publications go out one per message or coalesced several per
// message: the same tests run both ways.
for (const coalesceMs of [0, 5] as const) {
/** Server options with this run's coalescing window on the default namespace. */
const coalesced = (options: Partial<ServerOptions> = {}): Partial<ServerOptions> => ({
  ...options,
  namespaces: { ...options.namespaces, '': { ...options.namespaces?.[''], coalesceMs } },
});

describe(`zero loss (${coalesceMs === 0 ? 'one publication per message' : `coalescing ${coalesceMs} ms`})`, async () => {
  test('clients forcibly disconnected again and again end with the complete, ordered sequence', async () => {
    const { server, url } = await startServer(coalesced());
    // Reconnects kept quick: a client closed again and again must not back off to the SDK's 10 s
    // ceiling on a loaded box, which says nothing about loss and outlasts the wait below.
    const clients = [0, 1, 2, 3, 4, 5].map((i) => connectClient(url, { format: i % 2 === 0 ? 'msgpack' : 'json', maxReconnectDelayMs: 500 }));
    const followers = await Promise.all(clients.map((client) => follow(client, 'feed:orders')));

    // A steady publisher: one numbered message every 2 ms for about 3 s.
    const total = 1500;
    let published = 0;
    const publisher = (async () => {
      const start = Date.now();
      while (published < total) {
        const due = start + published * 2;
        if (Date.now() < due) await sleep(due - Date.now());
        await server.publish('feed:orders', { n: ++published });
      }
    })();
    // Meanwhile kill random connections from the server side.
    let kills = 0;
    while (published < total) {
      await sleep(60 + Math.random() * 120);
      const victims = [...server.clients.values()].filter(() => Math.random() < 0.35) as Connection[];
      for (const victim of victims) victim.close(CloseCode.ServerClosed, 'chaos');
      kills += victims.length;
    }
    await publisher;
    await waitFor(() => followers.every((f) => f.seen.length >= total), 15_000, 'every client to catch up').catch((err: unknown) => {
      throw new Error(`${(err as Error).message}: received ${followers.map((f) => f.seen.length).join(', ')} of ${total}; states ${clients.map((c) => c.state).join(', ')}`, { cause: err });
    });
    await sleep(50);
    assert.ok(kills >= 10, `enough chaos: ${kills} forced disconnects`);
    for (const [i, f] of followers.entries()) {
      assert.deepEqual(f.gaps, [], `client ${i}: no unrecoverable gap`);
      assert.deepEqual(f.seen, upTo(total), `client ${i}: complete, ordered, no duplicates`);
      assert.deepEqual(f.seqs, upTo(total), `client ${i}: seqs match`);
      assert.ok(f.recoveries.slice(1).every((r) => r === true), `client ${i}: every resubscribe recovered`);
    }
    assert.ok(followers.some((f) => f.recoveries.length > 1), 'some client actually reconnected and recovered');
  });

  test('a slow SDK client under the drop policy recovers the skipped messages by itself', async () => {
    const { server, url } = await startServer(coalesced({ maxBackpressureBytes: 32 * 1024, slowConsumerCheckMs: 10, maxReplayMessages: 50_000, namespaces: { '': { history: { size: 50_000, ttlMs: 60_000 } } } }));
    const client = connectClient(url);
    const f = await follow(client, 'feed:big');
    const socket = (client as unknown as { socket: { pause(): void; resume(): void } }).socket;
    const connection = [...server.clients.values()][0] as Connection;
    socket.pause();
    const payload = 'y'.repeat(4096);
    let n = 0;
    while (connection.lag?.skipped.size !== 1 && n < 20_000) {
      const batch = connection.bufferedAmount > 0 ? 1 : 20;
      for (let i = 0; i < batch; i++) await server.publish('feed:big', { n: ++n, p: payload });
      await sleep(1);
    }
    assert.ok(connection.lag !== undefined, 'the client fell behind and was moved to the slow lane');
    await server.publish('feed:big', { n: ++n, p: '' });
    socket.resume();
    await waitFor(() => f.seen.length >= n, 20_000, 'recovery of the skipped messages');
    assert.deepEqual(f.gaps, []);
    assert.deepEqual(f.seen, upTo(n));
  });

  test('a gap longer than history is reported with a gap event; a restarted server with an epoch gap event', async () => {
    // An explicit port: uWS sets SO_REUSEADDR only then, so the restart below can bind it at once
    // despite the first server's TIME_WAIT sockets (as a production restart on a fixed port does).
    const first = await startServer(coalesced({ port: await freePort(), namespaces: { '': { history: { size: 5, ttlMs: 60_000 } } } }));
    const client = connectClient(first.url, { minReconnectDelayMs: 20 });
    const f = await follow(client, 'feed:short');
    await first.server.publish('feed:short', { n: 1 });
    await waitFor(() => f.seen.length === 1, 5000, 'first message');
    const { epoch } = client.position('feed:short')!;

    // Disconnect, publish more than history keeps, and let the client come back.
    let closes = 0;
    client.on('close', () => {
      if (++closes === 1) for (let n = 2; n <= 20; n++) void first.server.publish('feed:short', { n });
    });
    for (const connection of first.server.clients.values()) connection.close(CloseCode.ServerClosed, 'bye');
    await waitFor(() => f.gaps.length === 1, 5000, 'a gap event');
    assert.deepEqual(f.gaps[0], { topic: 'feed:short', epoch, lastSeq: 1, seq: 20, reason: 'history' });
    await first.server.publish('feed:short', { n: 21 });
    await waitFor(() => f.seen.includes(21), 5000, 'live delivery continues after the gap');
    assert.deepEqual(f.seen, [1, 21]);

    // Restart on the same port: a new epoch, reported as such.
    const port = first.port;
    await first.server.close();
    const second = await startServer(coalesced({ port }));
    await waitFor(() => f.gaps.length === 2, 10_000, 'an epoch gap event');
    assert.equal(f.gaps[1]!.reason, 'epoch');
    assert.notEqual(f.gaps[1]!.epoch, epoch);
    await second.server.publish('feed:short', { n: 1 });
    await waitFor(() => f.seen.length === 3, 5000, 'delivery in the new epoch');
    assert.deepEqual(client.position('feed:short'), { epoch: f.gaps[1]!.epoch, seq: 1 });
  });
});
}
