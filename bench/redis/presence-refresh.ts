/**
 * How long one presence refresh run takes for a node holding many presence entries on the Redis
 * engine: it must finish well within presenceTtlMs / 3 (the refresh period), or members expire and
 * flap. Starts a private redis-server (loadtest/targets/redis-for-run.ts), joins the entries through the
 * engine as subscribers would, then times refresh runs. docs/benchmarks.md records the results.
 *
 *   node --import tsx bench/redis/presence-refresh.ts                       100,000 entries on 1,000 topics
 *   node --import tsx bench/redis/presence-refresh.ts --entries 100000 --topics 1
 *   node --import tsx bench/redis/presence-refresh.ts --runs 3 --sequential  and the old way, in the same sitting
 *
 * Options: --entries (100000), --topics (1000), --runs (5), --redis <loopback url> (default: a private one),
 * --sequential: also time the refresh as it was before batching (one PRESENCE_JOIN refresh call
 * per entry, one after another), on the same entries.
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { memberEntry, memberKey } from '../../src/server/engine/presence.js';
import { encodePresenceEntry } from '../../src/server/engine/redis/feed-message.js';
import { KeySpace } from '../../src/server/engine/redis/keys.js';
import { RedisEngine } from '../../src/server/engine/redis/redis-engine.js';
import { PRESENCE_JOIN } from '../../src/server/engine/redis/scripts.js';
import { redisForRun } from '../../loadtest/targets/redis-for-run.js';
import { describeSitting, formatSpread, spread, startSitting } from './sitting.js';

const { values } = parseArgs({
  options: {
    entries: { type: 'string', default: '100000' },
    topics: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '5' },
    redis: { type: 'string' },
    sequential: { type: 'boolean', default: false },
  },
});
const entries = Number(values.entries);
const topics = Number(values.topics);
const runs = Number(values.runs);
const KEY_PREFIX = 'bench';
const redis = await redisForRun(values.redis, 1800);
const sitting = startSitting(/v=(\S+)/.exec(spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout ?? '')?.[1] ?? 'unknown');
const engine = new RedisEngine({ url: redis.url, keyPrefix: KEY_PREFIX });
await engine.start({ deliver: () => {}, isActive: () => true, announce: () => {} });
const subjectOf = (i: number) => ({ id: `c${i}`, userId: `u${i}`, claims: { info: { name: `user ${i}` } } });
const topicOf = (i: number) => `room:${i % topics}`;
try {
  const joinStart = Date.now();
  // Joins as a node's subscribers make them: many at once, the engine keeps each topic's order.
  const inFlight = 256;
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < entries) {
        const i = next++;
        await engine.presence.join(topicOf(i), subjectOf(i));
      }
    }),
  );
  const joinMs = Date.now() - joinStart;
  const presence = engine.presence as RedisEngine['presence'] & { refresh(): Promise<void>; lastRefreshMs: number; localEntries: number };
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    await presence.refresh();
    times.push(presence.lastRefreshMs);
  }
  times.sort((a, b) => a - b);
  const ttlThird = engine.options.presenceTtlMs / 3;
  console.log(`presence refresh: ${presence.localEntries.toLocaleString('en')} entries on ${topics.toLocaleString('en')} topics (joined in ${joinMs} ms)`);
  console.log(`  refresh run: min ${times[0]} ms, median ${times[Math.floor(times.length / 2)]} ms, max ${times.at(-1)} ms over ${runs} runs; refresh period presenceTtlMs/3 = ${ttlThird} ms`);
  let sequential: number[] | undefined;
  if (values.sequential) {
    sequential = await sequentialRuns(engine.options.presenceTtlMs);
    console.log(`  sequential (one PRESENCE_JOIN refresh call per entry, one after another): ${formatSpread(spread(sequential), ' ms')} (min / median / max over ${runs} runs)`);
  }
  console.log(`  node ${process.version}, ${(await import('node:os')).cpus().length} cores`);
  console.log(describeSitting(sitting));
  console.log(`JSON ${JSON.stringify({ bench: 'redis-presence-refresh', entries, topics, runs, batched: times, sequential, ttlThirdMs: ttlThird, sitting })}`);
} finally {
  await engine.close();
  await redis.stop();
}

/**
 * The refresh before batching, for the record: every entry's PRESENCE_JOIN in its refresh form
 * (no Join announced), awaited one by one, through a plain ioredis client (not the engine).
 */
async function sequentialRuns(ttlMs: number): Promise<number[]> {
  const client = new Redis(redis.url) as Redis & { sbJoin(...args: Array<string | number>): Promise<number> };
  client.defineCommand('sbJoin', { lua: PRESENCE_JOIN, numberOfKeys: 3 });
  const keys = new KeySpace(KEY_PREFIX);
  const calls = Array.from({ length: entries }, (_, i) => {
    const subject = subjectOf(i);
    const k = keys.topic(topicOf(i));
    return [k.members, k.expiries, k.users, k.channel, 'publish', subject.id, encodePresenceEntry(memberKey(subject), memberEntry(subject)), ttlMs, '0'] as const;
  });
  const out: number[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      const started = Date.now();
      for (const call of calls) await client.sbJoin(...call);
      out.push(Date.now() - started);
    }
  } finally {
    client.disconnect();
  }
  return out;
}
