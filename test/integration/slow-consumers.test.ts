/**
 * Slow consumers: a reader that stops reading its socket, under each namespace policy, next to a
 * bystander that keeps up and must receive everything.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CloseCode, Kind, type GapFrame, type MessageFrame, type ReplyFrame, type ServerFrame, type TopicPosition } from '../../src/protocol/index.js';
import type { Connection } from '../../src/server/connection/connection.js';
import { RawClient } from '../helpers/raw-client.js';
import { sleep, startServer, waitFor } from '../helpers/server.js';

const LIMIT = 64 * 1024;
const PAYLOAD = 'x'.repeat(4096);
const isMessage = (frame: ServerFrame): frame is MessageFrame => frame.kind === Kind.Message;

async function subscribe(client: RawClient, id: number, topics: string[]): Promise<Record<string, TopicPosition>> {
  client.send({ kind: Kind.Subscribe, id, topics });
  return ((await client.answer(id)) as ReplyFrame).data as Record<string, TopicPosition>;
}

describe('slow consumers', async () => {
  const { server, url, http } = await startServer({
    maxBackpressureBytes: LIMIT,
    slowConsumerCheckMs: 10,
    maxReplayMessages: 100_000,
    namespaces: {
      'drop:': { slowConsumer: 'drop', history: { size: 100_000, ttlMs: 60_000 } },
      'tick:': { slowConsumer: 'conflate' },
      'strict:': { slowConsumer: 'close' },
    },
  });
  const serverSide = (client: RawClient) => {
    const connection = [...server.clients.values()].at(-1) as Connection;
    assert.ok(connection, `server-side connection for ${String(client)}`);
    return connection;
  };

  /**
   * Publishes until `done()` (or a volume cap): in batches of 20 while the kernel's loopback
   * buffers absorb everything, then one message per event-loop turn once uWS starts buffering, so
   * the slow-consumer check (a timer in this same loop) sees the buffer cross the limit well
   * before uWS's hard cap.
   */
  async function flood(connection: Connection, topics: string[], done: () => boolean, each?: () => void): Promise<number> {
    let sent = 0;
    while (!done() && sent < 20_000) {
      const batch = connection.bufferedAmount > 0 ? 1 : 20;
      for (let i = 0; i < batch; i++) {
        for (const topic of topics) await server.publish(topic, { n: sent, p: PAYLOAD });
        sent++;
      }
      each?.();
      await sleep(1);
    }
    return sent;
  }

  test('drop: the laggard is skipped, gets a Gap notice once it drains, and recovers every message from history', async () => {
    const bystander = await RawClient.connect(url);
    await subscribe(bystander, 1, ['drop:a']);
    const reader = await RawClient.connect(url);
    const { epoch } = (await subscribe(reader, 1, ['drop:a']))['drop:a']!;
    const connection = serverSide(reader);
    reader.ws.pause();
    let peakBuffered = 0;
    await flood(connection, ['drop:a'], () => server.stats().publications > 0 && connection.lag !== undefined && (connection.lag.skipped.size > 0), () => {
      peakBuffered = Math.max(peakBuffered, connection.bufferedAmount);
    });
    assert.ok(connection.lag !== undefined, 'the paused reader is in the slow lane');
    const published = (await server.publish('drop:a', { n: 'last', p: '' })) as number;
    assert.ok(peakBuffered <= 2 * LIMIT + 8192, `uWS buffer stayed bounded: ${peakBuffered}`);

    reader.ws.resume();
    const gap = (await reader.next((f) => f.kind === Kind.Gap, 20_000)) as GapFrame;
    assert.deepEqual(gap, { kind: Kind.Gap, topic: 'drop:a', seq: published });
    await waitFor(() => connection.lag === undefined, 5000, 'back on native fan-out');
    const got = reader.frames.filter(isMessage).map((m) => m.seq);
    const last = got.at(-1)!;
    assert.deepEqual(got, Array.from({ length: got.length }, (_, i) => i + 1), 'what arrived before the gap is a gapless prefix');
    assert.ok(last < published, 'some messages were skipped');
    reader.frames.length = 0;
    reader.send({ kind: Kind.History, id: 9, topic: 'drop:a', epoch, seq: last });
    assert.deepEqual(((await reader.answer(9, 20_000)) as ReplyFrame).data, { epoch, seq: published, recovered: true });
    const recovered = reader.frames.filter(isMessage).map((m) => m.seq);
    assert.deepEqual(recovered, Array.from({ length: published - last }, (_, i) => last + 1 + i));

    // Live delivery resumed natively; the bystander never missed anything.
    await server.publish('drop:a', 'after');
    await reader.next((f) => isMessage(f) && f.seq === published + 1);
    await bystander.next((f) => isMessage(f) && f.seq === published + 1, 20_000);
    const seen = bystander.frames.filter(isMessage).map((m) => m.seq);
    assert.deepEqual(seen, Array.from({ length: published }, (_, i) => i + 1), 'bystander got every message in order');
    const metrics = await (await fetch(`${http}/metrics`)).text();
    const skipped = Number(/^switchboard_slow_consumer_skipped_total (\d+)/m.exec(metrics)?.[1]);
    assert.ok(skipped >= 1, `skips are counted in /metrics: ${skipped}`);
    assert.match(metrics, /^switchboard_slow_consumers_lagged_total [1-9]/m);
    reader.close();
    bystander.close();
  });

  test('conflate: after resuming, the reader gets only the newest value per topic, and the lane held one entry per topic', async () => {
    const reader = await RawClient.connect(url);
    await subscribe(reader, 1, ['tick:a', 'tick:b']);
    const connection = serverSide(reader);
    reader.ws.pause();
    let maxHeld = 0;
    let peakBuffered = 0;
    const sample = () => {
      maxHeld = Math.max(maxHeld, connection.lag?.newest.size ?? 0);
      peakBuffered = Math.max(peakBuffered, connection.bufferedAmount);
    };
    await flood(connection, ['tick:a', 'tick:b'], () => connection.lag !== undefined && connection.lag.newest.size === 2 && server.stats().publications > 400, sample);
    const bufferedWhenLagging = connection.bufferedAmount;
    for (let i = 0; i < 300; i++) {
      await server.publish('tick:a', { n: `a${i}`, p: PAYLOAD });
      await server.publish('tick:b', { n: `b${i}`, p: PAYLOAD });
      sample();
    }
    assert.equal(maxHeld, 2, 'never more than one pending entry per topic');
    assert.ok(peakBuffered <= 2 * LIMIT + 8192, `uWS buffer stayed bounded: ${peakBuffered}`);
    assert.equal(connection.bufferedAmount, bufferedWhenLagging, '600 more publications added nothing to the socket buffer');
    const lastA = (await server.publish('tick:a', { n: 'final-a', p: '' })) as number;
    const lastB = (await server.publish('tick:b', { n: 'final-b', p: '' })) as number;

    reader.ws.resume();
    await reader.next((f) => isMessage(f) && f.topic === 'tick:a' && f.seq === lastA, 20_000);
    await reader.next((f) => isMessage(f) && f.topic === 'tick:b' && f.seq === lastB, 20_000);
    await waitFor(() => connection.lag === undefined, 5000, 'back on native fan-out');
    for (const topic of ['tick:a', 'tick:b']) {
      const seqs = reader.frames.filter((f): f is MessageFrame => isMessage(f) && f.topic === topic).map((m) => m.seq);
      assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), `${topic} in order`);
      assert.ok(seqs.length < (topic === 'tick:a' ? lastA : lastB) - 300, `${topic}: the backlog was conflated (${seqs.length} delivered)`);
    }
    assert.equal(reader.frames.filter((f) => f.kind === Kind.Gap).length, 0, 'no gap notice for conflated topics that had a newest value');
    reader.close();
  });

  test('close: the laggard is closed with SLOW_CONSUMER (4003) and the server keeps serving others', async () => {
    const bystander = await RawClient.connect(url);
    await subscribe(bystander, 1, ['strict:a']);
    const reader = await RawClient.connect(url);
    await subscribe(reader, 1, ['strict:a', 'drop:other']);
    const connection = serverSide(reader);
    reader.ws.pause();
    const sent = await flood(connection, ['strict:a'], () => connection.closed);
    assert.ok(connection.closed, 'closed by the policy');
    reader.ws.resume();
    assert.equal((await reader.closedWith(20_000)).code, CloseCode.SlowConsumer);
    const seq = (await server.publish('strict:a', 'still here')) as number;
    await bystander.next((f) => isMessage(f) && f.seq === seq, 20_000);
    assert.equal(bystander.frames.filter(isMessage).length, sent, 'bystander got every message');
    bystander.close();
  });
});
