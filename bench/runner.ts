/**
 * The shared micro-benchmark runner: suites register named cases, the runner times them with
 * tinybench and prints one table per suite plus, with `--json <file>`, machine-readable results
 * with the machine facts. Used by bench/run.ts (`npm run bench`).
 *
 * Each sample is the mean of a batch of calls timed together: at a few hundred nanoseconds per
 * call, one timer read per call would be a large part of what is measured. The batch size is
 * chosen per case so a batch lasts about BATCH_TARGET_NS; the table reports the median sample.
 */
import os from 'node:os';
import { Bench } from 'tinybench';

/** One benchmark case: a name that says operation and size, and the operation. */
export interface BenchCase {
  name: string;
  fn: () => unknown;
  /** The operation returns a promise (JWT verification): awaited call by call. */
  async?: boolean;
}

/** A group of cases about one subject, run by `npm run bench -- <name>`. */
export interface BenchSuite {
  name: string;
  /** One line on what the suite measures. */
  description: string;
  /** Builds the cases (may generate keys and fixtures first). */
  cases(): BenchCase[] | Promise<BenchCase[]>;
  /** Ratios of two cases' medians printed under the table: targets that only hold relative to a baseline. */
  ratios?: readonly BenchRatio[];
}

/** `numerator / denominator` of two case medians from the same run, with an optional upper target. */
export interface BenchRatio {
  label: string;
  numerator: string;
  denominator: string;
  target?: number;
}

/** One row of results. */
export interface BenchRow {
  suite: string;
  case: string;
  medianNs: number;
  meanNs: number;
  p99Ns: number;
  opsPerSec: number;
  /** Calls per timed sample. */
  batch: number;
  samples: number;
}

/** Timing budget per case. */
export interface RunnerOptions {
  /** Measured time per case, ms. @default 500 */
  timeMs: number;
  /** Warm-up time per case, ms. @default 150 */
  warmupMs: number;
}

const BATCH_TARGET_NS = 20_000; // 20 µs: timer reads (~50–100 ns here) stay under 1 % of a sample
const MAX_BATCH = 1000;

async function batchSizeFor(c: BenchCase): Promise<number> {
  // Let the JIT settle first (cold calls are 10-50x slower and would make batches too small),
  // then estimate the per-call time over at least 2 ms of calls. Sync cases are called in a
  // plain loop: an `await` per call would add a microtask turn to the estimate.
  let calls = 0;
  let elapsedNs = 0;
  if (c.async) {
    for (const until = Date.now() + 30; Date.now() < until; ) await c.fn();
    const start = process.hrtime.bigint();
    for (; elapsedNs < 2e6; calls++, elapsedNs = Number(process.hrtime.bigint() - start)) await c.fn();
  } else {
    for (const until = Date.now() + 30; Date.now() < until; ) c.fn();
    const start = process.hrtime.bigint();
    for (; elapsedNs < 2e6; calls++, elapsedNs = Number(process.hrtime.bigint() - start)) c.fn();
  }
  return Math.max(1, Math.min(MAX_BATCH, Math.ceil(BATCH_TARGET_NS / (elapsedNs / calls))));
}

function batched(c: BenchCase, batch: number): () => unknown {
  // tinybench records overriddenDuration (ms) as the sample: here the per-call mean of the batch.
  if (c.async) {
    return async () => {
      const start = process.hrtime.bigint();
      for (let i = 0; i < batch; i++) await c.fn();
      const totalMs = Number(process.hrtime.bigint() - start) / 1e6;
      return { overriddenDuration: totalMs / batch, overriddenIterationCost: totalMs };
    };
  }
  return () => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) c.fn();
    const totalMs = Number(process.hrtime.bigint() - start) / 1e6;
    return { overriddenDuration: totalMs / batch, overriddenIterationCost: totalMs };
  };
}

/** Runs every case of a suite and returns one row per case. */
export async function runSuite(suite: BenchSuite, options: RunnerOptions): Promise<BenchRow[]> {
  const cases = await suite.cases();
  const bench = new Bench({ name: suite.name, time: options.timeMs, warmupTime: options.warmupMs, throws: true });
  const batches = new Map<string, number>();
  for (const c of cases) {
    const batch = await batchSizeFor(c);
    batches.set(c.name, batch);
    bench.add(c.name, batched(c, batch), { async: c.async === true });
  }
  await bench.run();
  return bench.tasks.map((task) => {
    const result = task.result as { latency?: { mean: number; p50?: number; p99?: number; samplesCount: number } } | undefined;
    const latency = result?.latency;
    if (latency === undefined) throw new Error(`bench case "${task.name}" produced no result`);
    const medianMs = latency.p50 ?? latency.mean;
    return {
      suite: suite.name,
      case: task.name,
      medianNs: Math.round(medianMs * 1e6),
      meanNs: Math.round(latency.mean * 1e6),
      p99Ns: Math.round((latency.p99 ?? latency.mean) * 1e6),
      opsPerSec: medianMs > 0 ? Math.round(1000 / medianMs) : 0,
      batch: batches.get(task.name) ?? 1,
      samples: latency.samplesCount,
    };
  });
}

/** Prints a suite's rows as a table with thousands separators. */
export function printTable(suite: BenchSuite, rows: BenchRow[]): void {
  console.log(`\n${suite.name}: ${suite.description}`);
  const fmt = (n: number) => n.toLocaleString('en-US');
  console.table(rows.map((r) => ({ case: r.case, 'median ns': fmt(r.medianNs), 'p99 ns': fmt(r.p99Ns), 'ops/s': fmt(r.opsPerSec) })));
  for (const ratio of suite.ratios ?? []) {
    const top = rows.find((r) => r.case === ratio.numerator);
    const bottom = rows.find((r) => r.case === ratio.denominator);
    if (top === undefined || bottom === undefined) continue; // filtered out
    const value = top.medianNs / bottom.medianNs;
    const verdict = ratio.target === undefined ? '' : value <= ratio.target ? ` (target ≤ ${ratio.target}x: met)` : ` (target ≤ ${ratio.target}x: MISSED)`;
    console.log(`${ratio.label}: ${value.toFixed(2)}x = ${fmt(top.medianNs)} / ${fmt(bottom.medianNs)} ns${verdict}`);
  }
}

/** Facts that numbers depend on, recorded next to them. */
export function machineFacts(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model,
    memoryBytes: os.totalmem(),
    loadAverage: os.loadavg(),
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.release()}`,
  };
}
