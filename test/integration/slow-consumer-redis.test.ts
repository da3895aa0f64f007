/**
 * The slow lane on the Redis engine, whose history answers asynchronously and fails while Redis is
 * down: a reader that stops reading its socket, falls behind, and catches up while Redis is killed.
 * The process must survive it (an in-process server: node:test fails the test on an unhandled
 * rejection), the reader must get Gap notices with positions it can recover from, and a bystander
 * on the same node keeps receiving.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Kind, type GapFrame, type MessageFrame, type ReplyFrame, type ServerFrame, type TopicPosition } from '../../src/protocol/index.js';
import type { Connection } from '../../src/server/connection/connection.js';
import { RedisEngine } from '../../src/server/engine/redis/redis-engine.js';
import { RawClient } from '../helpers/raw-client.js';
import { publishSurely, redisMissing, startRedis } from '../helpers/redis.js';
import { sleep, startServer, waitFor } from '../helpers/server.js';

const LIMIT = 64 * 1024;
const PAYLOAD = 'x'.repeat(4096);
const isMessage = (frame: ServerFrame): frame is MessageFrame => frame.kind === Kind.Message;
// A Gap at seq 0 only names a never-published topic's first epoch (protocol.md §3.4): not a loss.
const isGapOn = (topic: string) => (frame: ServerFrame) => frame.kind === Kind.Gap && frame.topic === topic && frame.seq > 0;

async function subscribe(client: RawClient, id: number, topics: string[]): Promise<Record<string, TopicPosition>> {
  client.send({ kind: Kind.Subscribe, id, topics });
  return ((await client.answer(id, 20_000)) as ReplyFrame).data as Record<string, TopicPosition>;
}

describe('slow consumers on the Redis engine', { skip: redisMissing }, async () => {
  if (redisMissing !== undefined) return;

  test('a slow consumer catching up while Redis is killed does not take the process down: Gaps it can recover from, a bystander keeps receiving', async () => {
    const redis = await startRedis({ persist: true });
    const engine = new RedisEngine({ url: redis.url, commandTimeoutMs: 500, lingerMs: 100 });
    const { server, url, http } = await startServer({
      engine,
      maxBackpressureBytes: LIMIT,
      slowConsumerCheckMs: 10,
      maxReplayMessages: 100_000,
      namespaces: { 'drop:': { slowConsumer: 'drop', history: { size: 100_000, ttlMs: 60_000 } } },
    });
    const bystander = await RawClient.connect(url);
    await subscribe(bystander, 1, ['drop:a', 'drop:b']);
    const reader = await RawClient.connect(url);
    const { epoch } = (await subscribe(reader, 1, ['drop:a', 'drop:b']))['drop:a']!;
    const connection = [...server.clients.values()].at(-1) as Connection;
    // drop:b stays quiet while the reader lags: nothing is recorded for it, so its Gap needs the top from Redis.
    const quietTop = await publishSurely(server, 'drop:b', 'before', 'drop:b#before');
    await reader.next((frame) => isMessage(frame) && frame.topic === 'drop:b', 20_000);

    reader.ws.pause();
    for (let n = 0; connection.lag?.skipped.has('drop:a') !== true; n++) {
      assert.ok(n < 20_000, 'the paused reader fell behind');
      await publishSurely(server, 'drop:a', { n, p: PAYLOAD }, `drop:a#${n}`);
      if (connection.bufferedAmount > 0) await sleep(1);
    }
    const skipped = connection.lag!.skipped.get('drop:a')!;
    const storeErrors = async () => Number(/^switchboard_history_store_errors_total (\d+)/m.exec(await (await fetch(`${http}/metrics`)).text())?.[1]);
    const errorsBefore = await storeErrors();
    await redis.kill('SIGKILL');
    reader.ws.resume();

    const gapA = (await reader.next(isGapOn('drop:a'), 20_000)) as GapFrame;
    assert.deepEqual(gapA, { kind: Kind.Gap, topic: 'drop:a', seq: skipped }, 'the skipped topic: a Gap at the last skipped seq');
    await waitFor(() => connection.lag === undefined, 10_000, 'back on native fan-out');
    // drop:b's top cannot be read while Redis is down: no Gap with a made-up position, and no crash.
    for (let i = 0; (await storeErrors()) === errorsBefore; i++) {
      assert.ok(i < 200, 'the failed top read is counted');
      await sleep(50);
    }
    assert.equal(reader.frames.filter(isGapOn('drop:b')).length, 0);

    await redis.restart();
    const gapB = (await reader.next(isGapOn('drop:b'), 20_000)) as GapFrame;
    assert.deepEqual(gapB, { kind: Kind.Gap, topic: 'drop:b', seq: quietTop }, 'the quiet topic: a Gap at its real top once Redis answers');

    // The Gap is usable: History from the reader's last seq gives it everything it missed.
    const got = reader.frames.filter((frame): frame is MessageFrame => isMessage(frame) && frame.topic === 'drop:a').map((m) => m.seq);
    const last = got.at(-1) ?? 0;
    // drop:a was subscribed before its first publication: answered the empty epoch, it learned the
    // real one from the Gap at seq 0 that came before seq 1.
    const named = reader.frames.find((frame): frame is GapFrame => frame.kind === Kind.Gap && frame.topic === 'drop:a' && frame.seq === 0);
    assert.equal(epoch, '');
    const epochA = named?.epoch ?? '';
    assert.notEqual(epochA, '', 'the first epoch was named');
    reader.frames.length = 0;
    reader.send({ kind: Kind.History, id: 9, topic: 'drop:a', epoch: epochA, seq: last });
    assert.deepEqual(((await reader.answer(9, 20_000)) as ReplyFrame).data, { epoch: epochA, seq: skipped, recovered: true });
    const recovered = reader.frames.filter((frame): frame is MessageFrame => isMessage(frame) && frame.topic === 'drop:a').map((m) => m.seq);
    assert.deepEqual(recovered, Array.from({ length: skipped - last }, (_, i) => last + 1 + i));

    // The bystander on the same node kept receiving, in order, and still does.
    let after: number | undefined;
    async function publishAfter() {
      for (let i = 0; after === undefined && i < 200; i++) {
        try {
          // Keyed: a 504 whose publication was made must not be made twice by the retry.
          after = (await server.publish('drop:a', 'after', { idempotencyKey: 'drop:a#after' })) as number;
        } catch {
          await sleep(50); // the engine is still reconnecting
        }
      }
    }
    await Promise.all([publishAfter(), waitFor(() => after !== undefined, 20_000, 'a publish once Redis is back')]);
    await bystander.next((frame) => isMessage(frame) && frame.topic === 'drop:a' && frame.seq === after, 20_000);
    const seen = bystander.frames.filter((frame): frame is MessageFrame => isMessage(frame) && frame.topic === 'drop:a').map((m) => m.seq);
    assert.deepEqual([...seen, after], Array.from({ length: after! }, (_, i) => i + 1), 'the bystander got every message of drop:a, in order');
    reader.close();
    bystander.close();
  });
});
