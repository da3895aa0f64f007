/**
 * How a node following many topics comes back after it lost Redis: Redis killed with -9 and
 * restarted empty (no persistence), or the node's subscriber connection killed (`CLIENT KILL TYPE
 * pubsub`). Measures the time until every feed is live again, Redis's peak command rate meanwhile
 * (INFO stats every 100 ms), whether the liveness check dropped a connection on top, and what an
 * open-loop publisher (default 500/s) was answered meanwhile. The engine runs in this process with
 * a counting sink: the storm under test is the engine's, not 50,000 sockets'. A reader also asks
 * for a followed topic's position every 100 ms (`history.top`, what a new subscription's history
 * read waits on) and records how those answers fare while the feeds are not live.
 * docs/benchmarks.md ("Redis engine at scale") records the results.
 *
 *   node --import tsx bench/redis/reconnect.ts                           50,000 topics, both faults, 3 runs each
 *   node --import tsx bench/redis/reconnect.ts --topics 5000 --fault pubsub --runs 1
 *
 * Options: --topics (50000), --fault restart|pubsub|both (both), --runs (3), --rate publishes/s (500),
 * --verify topics published to after each run to prove their feeds deliver (1000).
 */
import { parseArgs } from 'node:util';
import type { Redis } from 'ioredis';
import type { RedisConnections } from '../../src/server/engine/redis/connections.js';
import { RedisEngine } from '../../src/server/engine/redis/redis-engine.js';
import { OpenLoopPublisher } from './open-loop-publisher.js';
import { OpsSampler } from './ops-sampler.js';
import { startBenchRedis } from './redis-process.js';
import { describeSitting, fmt, formatSpread, formatStatuses, spread, startSitting } from './sitting.js';

const { values } = parseArgs({
  options: {
    topics: { type: 'string', default: '50000' },
    fault: { type: 'string', default: 'both' },
    runs: { type: 'string', default: '3' },
    rate: { type: 'string', default: '500' },
    verify: { type: 'string', default: '1000' },
  },
});
const TOPICS = Number(values.topics);
const RUNS = Number(values.runs);
const RATE = Number(values.rate);
const VERIFY = Math.min(TOPICS, Number(values.verify));
const faults = values.fault === 'both' ? (['restart', 'pubsub'] as const) : [values.fault as 'restart' | 'pubsub'];
if (!faults.every((fault) => fault === 'restart' || fault === 'pubsub')) throw new Error(`--fault must be restart, pubsub or both, not ${values.fault}`);
// Publications kept per topic: the reconcile reads what the stream holds after a node's position.
const RETAIN = { size: 10, ttlMs: 3_600_000 };
// Longest a run may take to come back before the bench gives up on it.
const LIVE_TIMEOUT_MS = 300_000;

const redis = await startBenchRedis(3600);
const sitting = startSitting(redis.version);
const delivered = new Map<string, number>();
let deliveries = 0;
let resyncs = 0;
const engine = new RedisEngine({ url: redis.url, keyPrefix: 'bench', lingerMs: 3_600_000 });
await engine.start({
  deliver: (topic) => {
    deliveries++;
    delivered.set(topic, (delivered.get(topic) ?? 0) + 1);
  },
  resync: () => void resyncs++,
  isActive: () => true,
  announce: () => {},
});
const sampler = new OpsSampler(redis.url);
// No public view of the connections: the bench reads the liveness counters and watches the
// subscriber connection's close (to know the loss was noticed) through the engine's private link.
const connections = () => (engine as unknown as { link: { connections: RedisConnections } }).link.connections;
const subscriber = (): Redis => connections().subscriber;
const topics = Array.from({ length: TOPICS }, (_, i) => `t:${i}`);
// Each topic's feed fill reads (readNow with `delivered`, the feeds' only reads once started):
// when the last one succeeded and whether the latest one failed.
const lastFillOk = new Map<string, number>();
const fillFailed = new Set<string>();
const readNow = engine.history.readNow.bind(engine.history);
engine.history.readNow = async (topic, since, limit, delivered) => {
  if (delivered !== true) return readNow(topic, since, limit, delivered);
  try {
    const read = await readNow(topic, since, limit, delivered);
    fillFailed.delete(topic);
    lastFillOk.set(topic, sampler.now());
    return read;
  } catch (err) {
    fillFailed.add(topic);
    throw err;
  }
};
const reconciledSince = (topic: string, atMs: number) => !fillFailed.has(topic) && (lastFillOk.get(topic) ?? -1) >= atMs;
const feeds = new Map<string, { readonly inStep: boolean }>();

interface RunResult {
  fault: string;
  downMs: number;
  readyMs: number;
  liveMs: number;
  peakOps: number;
  peakInstantaneous: number;
  drops: number;
  resyncs: number;
  statuses: Map<number, number>;
  /** Reads of followed topics' positions made while not live: answered, failed, slowest answer in ms. */
  reads: { ok: number; failed: number; slowestMs: number };
  /** When every topic's live promise had resolved, and how many feeds had not reconciled then. */
  promisedMs: number;
  promisedNotReconciled: number;
  verified: boolean;
}

try {
  const followStart = Date.now();
  // Followed 500 at a time, each chunk waited live through history.top: the storm measured is the
  // reconnect, not this first burst (50,000 SUBSCRIBEs at once would time out on a loaded box).
  for (let i = 0; i < TOPICS; i += 500) {
    const chunk = topics.slice(i, i + 500);
    for (const topic of chunk) engine.follow(topic);
    await Promise.all(chunk.map((topic) => engine.history.top(topic)));
  }
  for (const topic of topics) feeds.set(topic, (await engine.history.subscriptions!.liveFeed(topic))!);
  const followMs = Date.now() - followStart;
  console.log(`followed ${TOPICS.toLocaleString('en')} topics in ${followMs} ms (channels ${engine.feedStats.channels.toLocaleString('en')})`);

  const results: RunResult[] = [];
  for (const fault of faults) {
    for (let run = 0; run < RUNS; run++) {
      await seed();
      results.push(await measure(fault));
      const last = results.at(-1)!;
      console.log(
        `  ${fault} run ${run + 1}: ready ${last.readyMs} ms, every feed live ${last.liveMs} ms, peak ${fmt(last.peakOps)} cmd/s (instantaneous_ops_per_sec ${fmt(last.peakInstantaneous)}), liveness drops ${last.drops}, resyncs ${last.resyncs.toLocaleString('en')}, publishes ${formatStatuses(last.statuses)}, live promises resolved at ${last.promisedMs} ms with ${last.promisedNotReconciled.toLocaleString('en')} feeds not reconciled, position reads ${last.reads.ok} ok / ${last.reads.failed} failed (slowest ${last.reads.slowestMs} ms), verified ${last.verified}`,
      );
    }
  }

  console.log(`\nreconnect of a node following ${TOPICS.toLocaleString('en')} topics (publisher ${RATE}/s, open loop; min / median / max over ${RUNS} runs)`);
  console.log('| fault | Redis down ms | engine ready ms | every feed live ms | peak Redis cmd/s | liveness drops | publishes sent while not live | position reads while not live: ok / failed | live promises resolved ms (feeds not reconciled then) | feeds verified |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | --- |');
  for (const fault of faults) {
    const of = results.filter((r) => r.fault === fault);
    const statuses = new Map<number, number>();
    for (const r of of) for (const [status, count] of r.statuses) statuses.set(status, (statuses.get(status) ?? 0) + count);
    console.log(
      `| ${fault === 'restart' ? 'kill -9 + restart' : 'CLIENT KILL TYPE pubsub'} | ${fault === 'restart' ? formatSpread(spread(of.map((r) => r.downMs))) : '—'} | ${formatSpread(spread(of.map((r) => r.readyMs)))} | ${formatSpread(spread(of.map((r) => r.liveMs)))} | ${formatSpread(spread(of.map((r) => r.peakOps)))} | ${of.map((r) => r.drops).join(', ')} | ${formatStatuses(statuses)} | ${of.map((r) => `${r.reads.ok} / ${r.reads.failed}`).join(', ')} | ${of.map((r) => `${r.promisedMs} (${r.promisedNotReconciled.toLocaleString('en')})`).join(', ')} | ${of.every((r) => r.verified) ? `all ${of.length} runs` : 'NO'} |`,
    );
  }
  const { peak, max } = engine.feedStats.feedReads;
  console.log(`  feed reads in flight peaked at ${peak} (bound ${max}); deliveries ${deliveries.toLocaleString('en')}`);
  console.log(describeSitting(sitting));
  console.log(`JSON ${JSON.stringify({ bench: 'redis-reconnect', topics: TOPICS, rate: RATE, followMs, runs: results.map((r) => ({ ...r, statuses: Object.fromEntries(r.statuses) })), sitting })}`);
} finally {
  sampler.close();
  await engine.close();
  await redis.stop();
}

/** One publication on every topic (what a restart loses), then waits until the node delivered them. */
async function seed(): Promise<void> {
  const target = deliveries + TOPICS;
  await inPool(topics, 256, (topic) => engine.publish(topic, Buffer.from('seed'), { retain: RETAIN }));
  await until(() => deliveries >= target, 120_000, 'the seed publications delivered');
}

async function measure(fault: 'restart' | 'pubsub'): Promise<RunResult> {
  const dropsBefore = total(connections().livenessDrops);
  const resyncsBefore = resyncs;
  const publisher = new OpenLoopPublisher(RATE, (n) => engine.publish(topics[(n * 7919) % TOPICS]!, Buffer.from(`p${n}`), { retain: RETAIN }), () => sampler.now());
  publisher.start();
  await sleep(1000); // the publisher's steady state, for comparison
  const lost = new Promise<void>((resolve) => subscriber().once('close', () => resolve()));
  const faultAt = sampler.now();
  let downMs = 0;
  if (fault === 'restart') {
    await redis.kill9();
    await redis.restart();
    downMs = sampler.now() - faultAt;
  } else {
    redis.cli('CLIENT', 'KILL', 'TYPE', 'pubsub');
  }
  await lost;
  const reads = { ok: 0, failed: 0, slowestMs: 0 };
  let reading = 0;
  const reader = setInterval(() => {
    const started = sampler.now();
    reading++;
    // Never rejects: each answer or failure is counted.
    void Promise.resolve(engine.history.top(topics[Math.floor(Math.random() * TOPICS)]!)).then(
      () => void reads.ok++,
      () => void reads.failed++,
    ).finally(() => {
      reading--;
      reads.slowestMs = Math.max(reads.slowestMs, sampler.now() - started);
    });
  }, 100);
  let readyAt = NaN;
  const readyWatch = setInterval(() => {
    if (Number.isNaN(readyAt) && engine.ready()) readyAt = sampler.now();
  }, 2);
  // A topic's `live` promise (and feedStats.reconciling) settle when its reconcile's first attempt
  // settles, even when that read failed and a retry is pending (see the report): so "live" is taken
  // from the feeds' reads instead. A feed is live again once a fill read of it succeeded after the
  // fault, its latest one did not fail, and it has nothing in flight.
  const subscriptions = engine.history.subscriptions!;
  const promisedAt = withTimeout(Promise.all(topics.map((topic) => subscriptions.liveFeed(topic))), LIVE_TIMEOUT_MS, 'every live promise').then(() => ({
    atMs: sampler.now(),
    notReconciled: topics.filter((topic) => !reconciledSince(topic, faultAt)).length,
  }));
  await until(() => topics.every((topic) => reconciledSince(topic, faultAt) && feeds.get(topic)!.inStep), LIVE_TIMEOUT_MS, 'every feed live again');
  const promised = await promisedAt;
  const liveAt = sampler.now();
  clearInterval(readyWatch);
  clearInterval(reader);
  await until(() => reading === 0, 30_000, 'the position reads answered');
  if (Number.isNaN(readyAt) && engine.ready()) readyAt = liveAt;
  await sleep(300); // the sampler's next samples cover the end of the window
  await publisher.stop();
  const verified = await verify();
  const peak = sampler.peak(faultAt, liveAt + 200);
  return {
    fault,
    downMs,
    readyMs: readyAt - faultAt,
    liveMs: liveAt - faultAt,
    peakOps: peak.opsPerSecond,
    peakInstantaneous: peak.instantaneous,
    drops: total(connections().livenessDrops) - dropsBefore,
    resyncs: resyncs - resyncsBefore,
    statuses: publisher.statuses(faultAt, liveAt),
    reads,
    promisedMs: promised.atMs - faultAt,
    promisedNotReconciled: promised.notReconciled,
    verified,
  };
}

/** Publishes once on `--verify` topics spread over all and waits until each one's feed delivered it. */
async function verify(): Promise<boolean> {
  const sample = topics.filter((_, i) => i % Math.max(1, Math.floor(TOPICS / VERIFY)) === 0).slice(0, VERIFY);
  const before = new Map(sample.map((topic) => [topic, delivered.get(topic) ?? 0]));
  await inPool(sample, 64, (topic) => engine.publish(topic, Buffer.from('verify'), { retain: RETAIN }));
  try {
    await until(() => sample.every((topic) => (delivered.get(topic) ?? 0) > before.get(topic)!), 60_000, 'the verification publications delivered');
    return true;
  } catch {
    return false;
  }
}

function total(drops: { commands: number; subscriber: number }): number {
  return drops.commands + drops.subscriber;
}

async function inPool<T>(items: readonly T[], size: number, run: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(size, items.length) }, async () => {
      while (next < items.length) await run(items[next++]!);
    }),
  );
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
