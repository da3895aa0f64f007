/**
 * What one publication costs Redis on the Redis engine: round trips (commands the node sends),
 * commands Redis runs (those inside the publish script included), and bytes in and out, from
 * `INFO commandstats` / `INFO stats` deltas (CONFIG RESETSTAT before each case) over `--publishes`
 * publications, with and without idempotency keys, with history on and off. The node follows the
 * topics (so the channel messages are read back as in service) and the bench reports how many
 * channels its subscriber connection holds. docs/benchmarks.md ("Redis engine at scale") records
 * the results.
 *
 *   node --import tsx bench/redis/publish-cost.ts                 10,000 publications per case, 100 topics, 3 runs
 *
 * Options: --publishes (10000), --topics (100), --runs (3), --payload bytes (64), --concurrency (64).
 */
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import type { PublishOptions } from '../../src/server/engine/engine.js';
import { RedisEngine } from '../../src/server/engine/redis/redis-engine.js';
import { startBenchRedis } from './redis-process.js';
import { describeSitting, fmt, formatSpread, spread, startSitting } from './sitting.js';

const { values } = parseArgs({
  options: {
    publishes: { type: 'string', default: '10000' },
    topics: { type: 'string', default: '100' },
    runs: { type: 'string', default: '3' },
    payload: { type: 'string', default: '64' },
    concurrency: { type: 'string', default: '64' },
  },
});
const PUBLISHES = Number(values.publishes);
const TOPICS = Number(values.topics);
const RUNS = Number(values.runs);
const CONCURRENCY = Number(values.concurrency);
const payload = Buffer.alloc(Number(values.payload), 'x');
// The bench's own commands on its admin connection, not the node's.
const BENCH_COMMANDS = new Set(['config', 'info', 'client']);

interface Case {
  name: string;
  retain: PublishOptions['retain'];
  keyed: boolean;
}
const CASES: Case[] = [
  { name: 'history on, no key', retain: { size: 100, ttlMs: 600_000 }, keyed: false },
  { name: 'history on, idempotency key', retain: { size: 100, ttlMs: 600_000 }, keyed: true },
  { name: 'history off, no key', retain: false, keyed: false },
  { name: 'history off, idempotency key', retain: false, keyed: true },
];

interface Measured {
  /** Calls per command name over the case. */
  calls: Map<string, number>;
  totalCommands: number;
  netIn: number;
  netOut: number;
  publishesPerSecond: number;
}

const redis = await startBenchRedis(1800);
const sitting = startSitting(redis.version);
const admin = new Redis(redis.url, { connectionName: 'bench-admin' });
let deliveries = 0;
const engine = new RedisEngine({ url: redis.url, keyPrefix: 'bench', lingerMs: 600_000 });
await engine.start({ deliver: () => void deliveries++, isActive: () => true, announce: () => {} });
const topics = Array.from({ length: TOPICS }, (_, i) => `cost:${i}`);
let keyCounter = 0;
try {
  for (const topic of topics) engine.follow(topic);
  await Promise.all(topics.map((topic) => engine.history.top(topic)));
  const subscribed = /name=switchboard-sub .*?sub=(\d+)/.exec(await admin.client('LIST') as string)?.[1];
  console.log(`node follows ${TOPICS} topics: its subscriber connection holds ${subscribed} channels (per-node channels: control and its reply channel)`);

  const results = new Map<string, Measured[]>();
  for (let run = 0; run < RUNS; run++) {
    for (const c of CASES) {
      const measured = await measure(c);
      results.set(c.name, [...(results.get(c.name) ?? []), measured]);
    }
  }

  console.log(`\nRedis cost per publication (${PUBLISHES.toLocaleString('en')} publications of ${payload.length} B per case on ${TOPICS} followed topics, ${CONCURRENCY} in flight; ${RUNS} runs)`);
  console.log('| case | round trips | commands Redis ran | of which | bytes in / out | publishes/s (min / median / max) |');
  console.log('| --- | ---: | ---: | --- | ---: | ---: |');
  for (const c of CASES) {
    const runs = results.get(c.name)!;
    const first = runs[0]!;
    // Command counts are the same in every run (checked below); rates are not.
    const per = (n: number) => n / PUBLISHES;
    const roundTrips = (first.calls.get('evalsha') ?? 0) + (first.calls.get('eval') ?? 0);
    const inner = [...first.calls.entries()].filter(([name]) => name !== 'evalsha' && name !== 'eval').sort(([, a], [, b]) => b - a);
    const innerText = inner.map(([name, n]) => `${name} ${fmt(per(n))}`).join(', ');
    const innerTotal = inner.reduce((sum, [, n]) => sum + n, 0);
    const same = runs.every((r) => sameCalls(r.calls, first.calls));
    console.log(
      `| ${c.name} | ${fmt(per(roundTrips))} | ${fmt(per(roundTrips + innerTotal))} | ${innerText}${same ? '' : ' (runs differ)'} | ${fmt(per(first.netIn))} / ${fmt(per(first.netOut))} | ${formatSpread(spread(runs.map((r) => r.publishesPerSecond)))} |`,
    );
  }
  const first = results.get(CASES[0]!.name)![0]!;
  console.log(`  total_commands_processed per publication (history on, no key): ${fmt(first.totalCommands / PUBLISHES)}`);
  console.log(describeSitting(sitting));
  console.log(
    `JSON ${JSON.stringify({ bench: 'redis-publish-cost', publishes: PUBLISHES, topics: TOPICS, payload: payload.length, subscribedChannels: Number(subscribed), cases: Object.fromEntries([...results].map(([name, runs]) => [name, runs.map((r) => ({ ...r, calls: Object.fromEntries(r.calls) }))])), sitting })}`,
  );
} finally {
  admin.disconnect();
  await engine.close();
  await redis.stop();
}

async function measure(c: Case): Promise<Measured> {
  // The scripts are loaded and the topics' keys exist before counting starts.
  await publishAll(c, Math.min(PUBLISHES, 200));
  await admin.config('RESETSTAT');
  const started = Date.now();
  await publishAll(c, PUBLISHES);
  const elapsed = Date.now() - started;
  const commandstats = await admin.info('commandstats');
  const stats = await admin.info('stats');
  const calls = new Map<string, number>();
  for (const [, name, n] of commandstats.matchAll(/cmdstat_([^:]+):calls=(\d+)/g)) {
    if (!BENCH_COMMANDS.has(name!.split('|')[0]!)) calls.set(name!, Number(n));
  }
  const stat = (name: string) => Number(new RegExp(`${name}:(\\d+)`).exec(stats)?.[1] ?? NaN);
  return { calls, totalCommands: stat('total_commands_processed'), netIn: stat('total_net_input_bytes'), netOut: stat('total_net_output_bytes'), publishesPerSecond: (PUBLISHES / elapsed) * 1000 };
}

/** `count` publications spread over the topics, `--concurrency` in flight; waits until the node delivered them. */
async function publishAll(c: Case, count: number): Promise<void> {
  const target = deliveries + count;
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, count) }, async () => {
      while (next < count) {
        const n = next++;
        await engine.publish(topics[n % TOPICS]!, payload, { retain: c.retain, idempotencyKey: c.keyed ? `k${keyCounter++}` : undefined });
      }
    }),
  );
  const deadline = Date.now() + 60_000;
  while (deliveries < target) {
    if (Date.now() > deadline) throw new Error('publications not delivered back to the node within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function sameCalls(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean {
  // PINGs of the liveness check come on their own clock, not per publication.
  const names = new Set([...a.keys(), ...b.keys()].filter((name) => name !== 'ping'));
  return [...names].every((name) => a.get(name) === b.get(name));
}
