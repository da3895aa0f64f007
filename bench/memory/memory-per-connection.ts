/**
 * Memory per idle subscribed connection, Switchboard against bare uWS, in one run:
 *
 *   node --import tsx bench/memory/memory-per-connection.ts [--connections 5000] [--topics 100]
 *        [--targets switchboard:json,switchboard:msgpack,uws:msgpack] [--json out.json] [--top 25]
 *
 * Each target is a forked server (bench/memory/switchboard-server.ts: production defaults; or the
 * load harness's bare uWS peer, loadtest/targets/peers/uws.ts) with bench/memory/probe.ts preloaded. The
 * server is warmed up with a few connections and measured (GC, then memoryUsage); N raw WebSocket
 * connections that each subscribed to one topic are opened and it is measured again, then heap-
 * snapshotted, the connections dropped and the server snapshotted once more. The report divides
 * every growth by N: JS heap (heapUsed, and the difference of the two snapshots' self sizes),
 * external and ArrayBuffer memory, RSS, the heap by object kind, and the heap left after close.
 *
 * Heap bytes per connection hardly depend on what else the box is doing, so they judge a change;
 * RSS includes V8's heap headroom and native (uWS) memory and moves with the allocator. The JS heap
 * of the bare uWS peer is its WebSocket wrapper objects: the rest of its RSS is uWS itself.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ListeningMessage } from '../../loadtest/targets/servers/entry.js';
import type { Format } from '../../src/protocol/index.js';
import { machineFacts } from '../runner.js';
import { diffCensus, readCensus, totalBytes, type HeapCensus } from './heap-snapshot.js';
import type { MeasuredMessage } from './probe.js';
import { openSubscribers } from './subscribers.js';

const USAGE = `Usage: node --import tsx bench/memory/memory-per-connection.ts [options]

Options:
  --connections <n>   idle subscribed connections per target (default 5000)
  --topics <n>        topics they spread over (default 100)
  --targets <list>    comma-separated server:format (default switchboard:json,switchboard:msgpack,uws:msgpack)
  --top <n>           heap groups listed per target (default 25)
  --json <file>       also write the results and machine facts as JSON
  -h, --help          show this help`;

const SERVERS = {
  switchboard: fileURLToPath(new URL('./switchboard-server.ts', import.meta.url)),
  uws: fileURLToPath(new URL('../../loadtest/targets/peers/uws.ts', import.meta.url)),
} as const;
const PROBE = new URL('./probe.ts', import.meta.url).href;
// Enough connections to compile and warm every path a connection takes, so the baseline has them.
const WARMUP_CONNECTIONS = 200;
// Gives the server time to see the warm-up connections' resets before the baseline.
const SETTLE_MS = 500;

interface Target {
  server: keyof typeof SERVERS;
  format: Format;
}

/** Per-connection figures of one target (bytes per connection unless named otherwise). */
export interface TargetResult {
  target: string;
  build: string;
  connections: number;
  heapSnapshot: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  rss: number;
  /** V8 heap pages backed by memory (used plus headroom); RSS minus this is outside the JS heap (uWS, malloc). */
  heapPhysical: number;
  /** heapUsed left after the connections closed, against before they opened (a leak shows here). */
  retainedAfterClose: number;
  /** Heap growth by object kind: count and bytes per connection, largest first. */
  groups: Array<{ group: string; perConnection: number; bytes: number }>;
}

function parseTargets(list: string): Target[] {
  return list.split(',').map((entry) => {
    const [server, format = 'msgpack'] = entry.trim().split(':');
    if (!(server! in SERVERS) || (format !== 'msgpack' && format !== 'json')) throw new Error(`bad target "${entry}": use switchboard|uws[:msgpack|json]`);
    if (server === 'uws' && format !== 'msgpack') throw new Error('the bare uWS peer speaks msgpack only');
    return { server: server as Target['server'], format };
  });
}

function startServer(target: Target): Promise<{ child: ChildProcess; listening: ListeningMessage }> {
  const child = fork(SERVERS[target.server], ['--lifetime', '900'], { execArgv: ['--expose-gc', '--import', 'tsx', '--import', PROBE], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (message: ListeningMessage) => resolve({ child, listening: message }));
    child.once('exit', (code) => reject(new Error(`${target.server} server exited with ${code} before listening`)));
  });
}

type Measured = NodeJS.MemoryUsage & { heapPhysical: number };

function ask(child: ChildProcess, request: { type: 'measure'; snapshot?: string }): Promise<Measured> {
  return new Promise((resolve) => {
    const onMessage = (message: MeasuredMessage) => {
      if (message.type !== 'measured') return;
      child.off('message', onMessage);
      resolve({ ...message.usage, heapPhysical: message.heapPhysical });
    };
    child.on('message', onMessage);
    child.send(request);
  });
}

/** The server's memory after garbage collection. */
const usage = (child: ChildProcess) => ask(child, { type: 'measure' });

/** A heap snapshot of the server (after garbage collection), counted by kind. */
async function snapshot(child: ChildProcess, file: string): Promise<HeapCensus> {
  await ask(child, { type: 'measure', snapshot: file });
  try {
    return readCensus(file);
  } finally {
    rmSync(file, { force: true });
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function measureTarget(target: Target, connections: number, topics: number, dir: string, top: number): Promise<TargetResult> {
  const name = `${target.server} ${target.format}`;
  const { child, listening } = await startServer(target);
  const clients = { port: listening.port, topics, format: target.format, offerSubprotocol: target.server === 'switchboard', concurrency: 64 };
  try {
    (await openSubscribers({ ...clients, connections: Math.min(WARMUP_CONNECTIONS, connections) })).reset();
    await sleep(SETTLE_MS);
    // RSS before any heap snapshot: taking one leaves tens of MB of allocator memory behind.
    const before = await usage(child);
    const held = await openSubscribers({ ...clients, connections });
    await sleep(SETTLE_MS);
    const loaded = await usage(child);
    const loadedCensus = await snapshot(child, join(dir, `${target.server}-${target.format}-loaded.heapsnapshot`));
    held.reset();
    await sleep(SETTLE_MS);
    // The same server with the connections gone: what differs is what the connections held.
    const closedCensus = await snapshot(child, join(dir, `${target.server}-${target.format}-closed.heapsnapshot`));
    const closed = await usage(child);
    const growth = diffCensus(closedCensus, loadedCensus);
    const per = (bytes: number) => Math.round(bytes / connections);
    const groups = [...growth]
      .map(([group, { count, bytes }]) => ({ group, perConnection: Math.round((count / connections) * 100) / 100, bytes: Math.round((bytes / connections) * 10) / 10 }))
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, top);
    return {
      target: name,
      build: listening.build,
      connections,
      heapSnapshot: per(totalBytes(growth)),
      heapUsed: per(loaded.heapUsed - before.heapUsed),
      external: per(loaded.external - before.external),
      arrayBuffers: per(loaded.arrayBuffers - before.arrayBuffers),
      rss: per(loaded.rss - before.rss),
      heapPhysical: per(loaded.heapPhysical - before.heapPhysical),
      retainedAfterClose: per(closed.heapUsed - before.heapUsed),
      groups,
    };
  } finally {
    child.disconnect();
  }
}

function pad(text: string | number, width: number, left = false): string {
  const s = String(text);
  return left ? s.padEnd(width) : s.padStart(width);
}

function printResults(results: TargetResult[], topics: number): void {
  console.log(`\nMemory per idle subscribed connection (${results[0]?.connections} connections over ${topics} topics), bytes per connection\n`);
  console.log(`${pad('target', 22, true)}${pad('heap (snapshot)', 17)}${pad('heapUsed', 10)}${pad('external', 10)}${pad('arrayBuffers', 14)}${pad('RSS', 8)}${pad('heap pages', 12)}${pad('RSS - heap pages', 18)}${pad('left after close', 18)}`);
  for (const r of results) console.log(`${pad(r.target, 22, true)}${pad(r.heapSnapshot, 17)}${pad(r.heapUsed, 10)}${pad(r.external, 10)}${pad(r.arrayBuffers, 14)}${pad(r.rss, 8)}${pad(r.heapPhysical, 12)}${pad(r.rss - r.heapPhysical, 18)}${pad(r.retainedAfterClose, 18)}`);
  for (const r of results) {
    console.log(`\n${r.target} (${r.build}): heap growth by kind, per connection`);
    console.log(`${pad('group', 44, true)}${pad('count', 8)}${pad('bytes', 9)}`);
    for (const g of r.groups) console.log(`${pad(g.group.slice(0, 43), 44, true)}${pad(g.perConnection, 8)}${pad(g.bytes, 9)}`);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      connections: { type: 'string', default: '5000' },
      topics: { type: 'string', default: '100' },
      targets: { type: 'string', default: 'switchboard:json,switchboard:msgpack,uws:msgpack' },
      top: { type: 'string', default: '25' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return console.log(USAGE);
  const connections = Number(values.connections);
  const topics = Number(values.topics);
  if (!(connections > 0) || !(topics > 0)) throw new Error('--connections and --topics must be positive numbers');
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-memory-'));
  const results: TargetResult[] = [];
  try {
    for (const target of parseTargets(values.targets)) {
      console.error(`measuring ${target.server} ${target.format} with ${connections} connections...`);
      results.push(await measureTarget(target, connections, topics, dir, Number(values.top)));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  printResults(results, topics);
  if (values.json) writeFileSync(values.json, `${JSON.stringify({ machine: machineFacts(), connections, topics, results }, null, 2)}\n`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
