/**
 * How long one presence refresh run takes for a node holding many presence entries on the Redis
 * engine: it must finish well within presenceTtlMs / 3 (the refresh period), or members expire and
 * flap. Starts a private redis-server (loadtest/redis-for-run.ts), joins the entries through the
 * engine as subscribers would, then times refresh runs. docs/benchmarks.md records the results.
 *
 *   node --import tsx bench/redis/presence-refresh.ts                       100,000 entries on 1,000 topics
 *   node --import tsx bench/redis/presence-refresh.ts --entries 100000 --topics 1
 *
 * Options: --entries (100000), --topics (1000), --runs (5), --redis <loopback url> (default: a private one).
 */
import { parseArgs } from 'node:util';
import { RedisEngine } from '../../src/server/engine/redis/redis-engine.js';
import { redisForRun } from '../../loadtest/redis-for-run.js';

const { values } = parseArgs({ options: { entries: { type: 'string', default: '100000' }, topics: { type: 'string', default: '1000' }, runs: { type: 'string', default: '5' }, redis: { type: 'string' } } });
const entries = Number(values.entries);
const topics = Number(values.topics);
const runs = Number(values.runs);
const redis = await redisForRun(values.redis, 600);
const engine = new RedisEngine({ url: redis.url, keyPrefix: 'bench' });
await engine.start({ deliver: () => {}, isActive: () => true, announce: () => {} });
try {
  const joinStart = Date.now();
  // Joins as a node's subscribers make them: many at once, the engine keeps each topic's order.
  const inFlight = 256;
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < entries) {
        const i = next++;
        await engine.presence.join(`room:${i % topics}`, { id: `c${i}`, userId: `u${i}`, claims: { info: { name: `user ${i}` } } });
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
  console.log(`  node ${process.version}, ${(await import('node:os')).cpus().length} cores`);
} finally {
  await engine.close();
  await redis.stop();
}
