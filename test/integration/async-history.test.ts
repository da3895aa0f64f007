/**
 * The hold-and-merge path for asynchronous history stores (a Redis store answers reads after a
 * round trip): live publications that arrive while a subscription's history read is in flight are
 * held and merged by seq, so the seam between replay and live has no gap and no duplicate.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CloseCode, Kind, type MessageFrame, type ReplyFrame, type StreamPosition, type TopicPosition } from '../../src/protocol/index.js';
import { MemoryEngine, type HistoryLimits } from '../../src/server/index.js';
import type { Connection } from '../../src/server/connection/connection.js';
import type { HistoryRead, SyncAppendHistoryStore } from '../../src/server/engine/history.js';
import { MemoryHistoryStore } from '../../src/server/engine/memory-history.js';
import { connectClient } from '../helpers/clients.js';
import { RawClient } from '../helpers/raw-client.js';
import { sleep, startServer, waitFor } from '../helpers/server.js';

/** A MemoryHistoryStore whose reads answer after `delayMs`, like a store across the network. */
class SlowReads implements SyncAppendHistoryStore {
  readonly memory = new MemoryHistoryStore();
  constructor(private readonly delayMs: number) {}
  append(topic: string, payload: Uint8Array, retain: HistoryLimits | false): number {
    return this.memory.append(topic, payload, retain);
  }
  epochOf(topic: string): string {
    return this.memory.epochOf(topic);
  }
  async top(topic: string): Promise<StreamPosition> {
    await sleep(this.delayMs);
    return this.memory.top(topic);
  }
  async read(topic: string, since: StreamPosition | null, limit: number): Promise<HistoryRead> {
    // Snapshot now, answer later: publications made during the delay are not in the answer.
    const answer = this.memory.read(topic, since, limit);
    await sleep(this.delayMs);
    return answer;
  }
  setActiveCheck(isActive: (topic: string) => boolean): void {
    this.memory.setActiveCheck(isActive);
  }
  close(): void {
    this.memory.close();
  }
}

describe('asynchronous history store', async () => {
  const { server, url } = await startServer({ engine: new MemoryEngine({ store: new SlowReads(30) }) });

  /** Publishes one message every millisecond until stopped. */
  function steadyPublisher(topic: string) {
    let running = true;
    let published = 0;
    const done = (async () => {
      while (running) {
        await server.publish(topic, { n: ++published });
        await sleep(1);
      }
    })();
    return { stop: async () => ((running = false), await done, published) };
  }

  test('subscribe with a position while publishing: replay, held live messages and live ones join without gap or duplicate', async () => {
    const first = await RawClient.connect(url);
    first.send({ kind: Kind.Subscribe, id: 1, topics: ['a:t'] });
    const { epoch } = (((await first.answer(1)) as ReplyFrame).data as Record<string, TopicPosition>)['a:t']!;
    const publisher = steadyPublisher('a:t');
    await first.next((f) => f.kind === Kind.Message && f.seq === 20);
    first.close();
    await sleep(20);

    const second = await RawClient.connect(url);
    second.send({ kind: Kind.Subscribe, id: 2, topics: ['a:t'], positions: { 'a:t': { epoch, seq: 10 } } });
    const reply = (await second.answer(2)) as ReplyFrame;
    const answered = (reply.data as Record<string, TopicPosition>)['a:t']!;
    assert.equal(answered.recovered, true);
    await sleep(50);
    const last = await publisher.stop();
    await second.next((f) => f.kind === Kind.Message && f.seq === last, 5000); // taken out of frames
    const seqs = [...second.frames.filter((f): f is MessageFrame => f.kind === Kind.Message).map((m) => m.seq), last];
    assert.deepEqual(seqs, Array.from({ length: last - 10 }, (_, i) => 11 + i), 'every seq after the position, once, in order');
    assert.ok(answered.seq > 20, `live messages were held during the read and counted in the answer (seq ${answered.seq})`);
    second.close();
  });

  test('SDK clients killed repeatedly still end with the complete, ordered sequence', async () => {
    const clients = [0, 1, 2].map((i) => connectClient(url, { format: i === 1 ? 'json' : 'msgpack' }));
    const seen = clients.map(() => [] as number[]);
    await Promise.all(clients.map((client, i) => client.subscribe('b:t', (data) => seen[i]!.push((data as { n: number }).n))));
    const publisher = steadyPublisher('b:t');
    for (let round = 0; round < 6; round++) {
      await sleep(150);
      for (const connection of server.clients.values()) if (Math.random() < 0.5) (connection as Connection).close(CloseCode.ServerClosed, 'chaos');
    }
    const total = await publisher.stop();
    await waitFor(() => seen.every((list) => list.length >= total), 10_000, 'every client to catch up');
    for (const list of seen) assert.deepEqual(list, Array.from({ length: total }, (_, i) => i + 1));
  });
});
