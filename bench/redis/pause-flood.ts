/**
 * Memory of a Switchboard server on the Redis engine while Redis stops answering (SIGSTOP) under a
 * publish flood: the engine has no offline queue, so what the server holds must stay bounded by
 * the publishes in flight (at most rate × commandTimeoutMs, then the breaker answers 503 at once)
 * and return to its baseline after SIGCONT. The server runs in a child (bench/redis/flood-server.ts)
 * with subscribers connected from here; its library publisher floods its topics open-loop. RSS and
 * heap are sampled every 250 ms before, during and after the pause. docs/benchmarks.md ("Redis
 * engine at scale") records the results.
 *
 *   node --import tsx bench/redis/pause-flood.ts                          2,000 publishes/s, Redis stopped 10 s, 3 runs
 *
 * Options: --rate publishes/s (2000), --subscribers (100), --topics (10), --payload bytes (512),
 * --before-s (5), --pause-s (10), --after-s (10), --runs (3), --series: print every sample.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openSubscribers } from '../memory/subscribers.js';
import type { FloodServerCommand, FloodServerMessage, FloodServerSettings } from './flood-server.js';
import { startBenchRedis } from './redis-process.js';
import { describeSitting, fmt, formatSpread, formatStatuses, spread, startSitting } from './sitting.js';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '2000' },
    subscribers: { type: 'string', default: '100' },
    topics: { type: 'string', default: '10' },
    payload: { type: 'string', default: '512' },
    'before-s': { type: 'string', default: '5' },
    'pause-s': { type: 'string', default: '10' },
    'after-s': { type: 'string', default: '10' },
    runs: { type: 'string', default: '3' },
    series: { type: 'boolean', default: false },
  },
});
const settingsOf = (redisUrl: string): FloodServerSettings => ({ redisUrl, rate: Number(values.rate), topics: Number(values.topics), payloadBytes: Number(values.payload), sampleMs: 250 });
const BEFORE_MS = Number(values['before-s']) * 1000;
const PAUSE_MS = Number(values['pause-s']) * 1000;
const AFTER_MS = Number(values['after-s']) * 1000;
const RUNS = Number(values.runs);
const MB = 1024 * 1024;

type Sample = Extract<FloodServerMessage, { type: 'sample' }>;
interface Phase {
  name: string;
  samples: Sample[];
  statuses: Map<number, number>;
}

const redis = await startBenchRedis(1800);
const sitting = startSitting(redis.version);
const child: ChildProcess = fork(fileURLToPath(new URL('./flood-server.ts', import.meta.url)), [JSON.stringify(settingsOf(redis.url))], {
  execArgv: ['--import', 'tsx', '--expose-gc'],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const samples: Sample[] = [];
let onSample: ((sample: Sample) => void) | undefined;
child.on('message', (message: FloodServerMessage) => {
  if (message.type !== 'sample') return;
  samples.push(message);
  onSample?.(message);
});
const command = (c: FloodServerCommand) => child.send(c);
try {
  const [listening] = (await once(child, 'message')) as [FloodServerMessage];
  if (listening.type !== 'listening') throw new Error('flood server did not start');
  const subscribers = await openSubscribers({ port: listening.port, connections: Number(values.subscribers), topics: Number(values.topics), format: 'msgpack', offerSubprotocol: true, concurrency: 20 });
  try {
    await sleep(1000);
    const idle = await gcSample();
    command({ type: 'publish' });
    const rows: Array<{ run: number; phases: Phase[]; afterGc: Sample }> = [];
    for (let run = 1; run <= RUNS; run++) {
      const phases: Phase[] = [];
      phases.push(await phase('before', BEFORE_MS));
      redis.signal('SIGSTOP');
      phases.push(await phase('Redis stopped', PAUSE_MS));
      redis.signal('SIGCONT');
      phases.push(await phase('after SIGCONT', AFTER_MS));
      const afterGc = await gcSample();
      rows.push({ run, phases, afterGc });
      const [before, paused, after] = phases.map((p) => describe(p));
      console.log(`run ${run}: before ${before}\n       stopped ${paused}\n       after ${after}\n       after GC: RSS ${mb(afterGc.rss)}, heap ${mb(afterGc.heapUsed)}`);
    }

    console.log(`\npublish flood (${values.rate}/s open loop through server.publish, ${values.payload} B, ${values.subscribers} subscribers on ${values.topics} topics) with Redis stopped ${PAUSE_MS / 1000} s; server idle after GC: RSS ${mb(idle.rss)}, heap ${mb(idle.heapUsed)}`);
    console.log('| run | phase | RSS MiB min / median / max | heap MiB min / median / max | publishes unanswered, most | publishes answered in the phase |');
    console.log('| --- | --- | ---: | ---: | ---: | --- |');
    for (const { run, phases, afterGc } of rows) {
      for (const p of phases) {
        console.log(`| ${run} | ${p.name} | ${formatSpread(spread(p.samples.map((s) => s.rss / MB)))} | ${formatSpread(spread(p.samples.map((s) => s.heapUsed / MB)))} | ${fmt(Math.max(0, ...p.samples.map((s) => s.pending)))} | ${formatStatuses(p.statuses)} |`);
      }
      console.log(`| ${run} | after GC | ${fmt(afterGc.rss / MB)} | ${fmt(afterGc.heapUsed / MB)} | | |`);
    }
    if (values.series) {
      console.log('\n| ms since first sample | RSS MiB | heap MiB | unanswered |');
      console.log('| ---: | ---: | ---: | ---: |');
      for (const s of samples) console.log(`| ${s.atMs - samples[0]!.atMs} | ${fmt(s.rss / MB)} | ${fmt(s.heapUsed / MB)} | ${s.pending} |`);
    }
    console.log(describeSitting(sitting));
    console.log(`JSON ${JSON.stringify({ bench: 'redis-pause-flood', settings: { ...settingsOf(''), subscribers: Number(values.subscribers), pauseMs: PAUSE_MS }, idle, runs: rows, sitting }, (key, value) => (value instanceof Map ? Object.fromEntries(value) : key === 'redisUrl' ? undefined : value))}`);
  } finally {
    subscribers.reset();
  }
} finally {
  redis.signal('SIGCONT');
  if (child.exitCode === null) {
    command({ type: 'stop' });
    // An unref'd bound: a pending 10 s timer would keep this process alive after the child exited.
    await Promise.race([once(child, 'exit'), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  await redis.stop();
}

/** Collects the samples of the next `ms`; statuses are those of publishes answered meanwhile. */
async function phase(name: string, ms: number): Promise<Phase> {
  const collected: Sample[] = [];
  onSample = (sample) => collected.push(sample);
  const first = samples.at(-1);
  await sleep(ms);
  onSample = undefined;
  const last = collected.at(-1) ?? first;
  const statuses = new Map<number, number>();
  for (const [status, count] of Object.entries(last?.statuses ?? {})) {
    const delta = count - (first?.statuses[Number(status)] ?? 0);
    if (delta > 0) statuses.set(Number(status), delta);
  }
  return { name, samples: collected, statuses };
}

async function gcSample(): Promise<Sample> {
  const next = new Promise<Sample>((resolve) => (onSample = (sample) => sample.afterGc && resolve(sample)));
  command({ type: 'gc' });
  const sample = await next;
  onSample = undefined;
  return sample;
}

function describe(p: Phase): string {
  return `RSS ${formatSpread(spread(p.samples.map((s) => s.rss / MB)), ' MiB')}, heap ${formatSpread(spread(p.samples.map((s) => s.heapUsed / MB)), ' MiB')}, unanswered at most ${Math.max(0, ...p.samples.map((s) => s.pending))}, answers ${formatStatuses(p.statuses)}`;
}

function mb(bytes: number): string {
  return `${fmt(bytes / MB)} MiB`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
