/**
 * Stall measurement: what one publication costs the server's garbage collector, and how long
 * each piece of periodic work blocks the event loop, measured in ways that do not depend on a
 * quiet machine (docs/notes/stalls.md has the findings). The server runs in this process on real
 * uWS; subscribers and the publisher run in a child process (peer.ts), paced closed-loop.
 *
 *   node --import tsx bench/stalls/run.ts                                 1,000 subscribers, 1 topic
 *   node --import tsx bench/stalls/run.ts --subscribers 10 --publications 100000
 *   node --import tsx bench/stalls/run.ts --subscribers 19000 --topics 19000 --publications 19000 --idle-ms 11000
 *
 * Options: --subscribers (1000), --json-subscribers (0), --topics (1), --publications (20000),
 * --warmup (5000), --payload bytes (64), --batch publications per round trip (100),
 * --idle-ms time to keep watching timers after the run (0), --scavenge serial|parallel (serial, as
 * the switchboard command runs; see src/server/runtime/gc-settings.ts), --json <file>, --alloc-profile <file>
 * (a second pass under V8's sampling heap profiler: prints the allocating functions, writes a
 * .heapprofile for Chrome DevTools).
 */
import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AllocationProfile, type AllocationSite } from './alloc-profile.js';
import { GcMeter, type GcReport } from './gc-meter.js';
import type { PeerCommand, PeerReply } from './peer.js';
import { installTimerProbe, startTimerProbe, stopTimerProbe, type TimerSite } from './timer-probe.js';

// Before the server exists, so every timer it creates is timed.
installTimerProbe();
const { createServer } = await import('../../src/server/index.js');
const { LIMITS_OFF } = await import('../../loadtest/targets/servers/limits-off.js');
const { preferSerialScavenge } = await import('../../src/server/runtime/gc-settings.js');

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '1000' },
    'json-subscribers': { type: 'string', default: '0' },
    topics: { type: 'string', default: '1' },
    publications: { type: 'string', default: '20000' },
    warmup: { type: 'string', default: '5000' },
    payload: { type: 'string', default: '64' },
    batch: { type: 'string', default: '100' },
    'idle-ms': { type: 'string', default: '0' },
    json: { type: 'string' },
    'alloc-profile': { type: 'string' },
    scavenge: { type: 'string', default: 'serial' },
  },
});
// As the switchboard command runs (src/server/runtime/gc-settings.ts), unless --scavenge parallel.
const serialScavenge = values.scavenge !== 'parallel' && preferSerialScavenge();
const subscribers = Number(values.subscribers);
const publications = Number(values.publications);
const topics = Number(values.topics);

// The load-test server's settings (loadtest/targets/servers/switchboard.ts): defaults, client publish on,
// abuse limits off.
const server = createServer({
  host: '127.0.0.1',
  port: 0,
  clientPublish: true,
  logLevel: 'silent',
  ...LIMITS_OFF,
});
const { port } = await server.listen();

const peer = fork(join(dirname(fileURLToPath(import.meta.url)), 'peer.ts'), [], { execArgv: ['--import', 'tsx'] });
const replies: PeerReply[] = [];
let wake: (() => void) | undefined;
peer.on('message', (message: PeerReply) => {
  replies.push(message);
  wake?.();
});
peer.on('exit', (code) => {
  if (code !== 0) console.error(`peer exited with ${code}`);
});

async function ask(command: PeerCommand): Promise<PeerReply> {
  peer.send(command);
  while (replies.length === 0) await new Promise<void>((resolve) => (wake = resolve));
  const answer = replies.shift()!;
  if (answer.type === 'failed') throw new Error(`peer failed: ${answer.reason}`);
  return answer;
}

const opening = Date.now();
await ask({ type: 'config', port, subscribers, jsonSubscribers: Number(values['json-subscribers']), topics, payloadBytes: Number(values.payload), batch: Number(values.batch) });
const openedMs = Date.now() - opening;
// Warm-up: the JIT settles and every topic gets its history state before anything is counted.
await ask({ type: 'publish', count: Number(values.warmup) });

const meter = new GcMeter();
startTimerProbe();
meter.start();
const started = Date.now();
await ask({ type: 'publish', count: publications });
const runMs = Date.now() - started;
const gc: GcReport = meter.stop();
const runTimers: TimerSite[] = stopTimerProbe();
const idleMs = Number(values['idle-ms']);
let idleTimers: TimerSite[] = [];
if (idleMs > 0) {
  // Periodic work with every socket still open and every topic's history still held.
  startTimerProbe();
  await new Promise((resolve) => setTimeout(resolve, idleMs));
  idleTimers = stopTimerProbe();
}

// A separate pass: the sampling profiler's own bookkeeping would distort the figures above.
let allocations: AllocationSite[] = [];
if (values['alloc-profile'] !== undefined) {
  const profiler = new AllocationProfile();
  await profiler.start();
  await ask({ type: 'publish', count: publications });
  const { sites, profile } = await profiler.stop();
  allocations = sites.map((s) => ({ site: s.site, bytes: Math.round(s.bytes / publications) }));
  writeFileSync(values['alloc-profile'], JSON.stringify(profile));
}

const rounded = (t: TimerSite): TimerSite => ({ ...t, totalMs: Number(t.totalMs.toFixed(3)), maxMs: Number(t.maxMs.toFixed(3)), p99Ms: Number(t.p99Ms.toFixed(3)) });
const per100k = (n: number) => Math.round((n * 100_000) / publications);
const result = {
  subscribers,
  jsonSubscribers: Number(values['json-subscribers']),
  topics,
  publications,
  payloadBytes: Number(values.payload),
  scavenge: serialScavenge ? 'serial' : 'parallel',
  openedMs,
  runMs,
  heapBytesPerPublication: Math.round(gc.heapBytes / publications),
  externalBytesPerPublication: Math.round(gc.externalBytes / publications),
  gcPer100kPublications: Object.fromEntries(Object.entries(gc.counts).map(([type, n]) => [type, per100k(n)])),
  gcCounts: gc.counts,
  gcTotalPauseMs: Number(gc.totalPauseMs.toFixed(2)),
  gcMaxPauseMs: Number(gc.maxPauseMs.toFixed(2)),
  gcMedianPauseMs: Number(gc.medianPauseMs.toFixed(3)),
  timers: runTimers.map(rounded),
  idleTimers: idleTimers.map(rounded),
  /** Sampled bytes per publication by allocating function (with --alloc-profile). */
  allocations,
  node: process.version,
};

console.log(`${subscribers} subscribers (${result.jsonSubscribers} JSON), ${topics} topic(s), ${publications} publications of ${result.payloadBytes} B, ${result.scavenge} scavenge (run ${runMs} ms)`);
console.log(`  JS heap allocated per publication: ${result.heapBytesPerPublication} B; external: ${result.externalBytesPerPublication} B`);
console.log(`  collections per 100k publications: ${JSON.stringify(result.gcPer100kPublications)}; pauses total ${result.gcTotalPauseMs} ms, median ${result.gcMedianPauseMs} ms, longest ${result.gcMaxPauseMs} ms`);
const printTimers = (title: string, list: TimerSite[]) => {
  console.log(`  timer callbacks ${title}:`);
  for (const t of list) console.log(`    ${t.site}: ${t.runs} runs, mean ${(t.totalMs / t.runs).toFixed(3)} ms, p99 ${t.p99Ms} ms, max ${t.maxMs} ms`);
};
printTimers('during the run', result.timers);
if (idleMs > 0) printTimers(`idle, ${idleMs} ms after the run`, result.idleTimers);
if (allocations.length > 0) {
  console.log('  sampled allocation per publication by function (second pass, --alloc-profile):');
  for (const a of allocations) console.log(`    ${String(a.bytes).padStart(6)} B  ${a.site}`);
}
if (values.json !== undefined) writeFileSync(values.json, `${JSON.stringify(result, null, 2)}\n`);

peer.send({ type: 'stop' } satisfies PeerCommand);
await server.close();
process.exit(0);
