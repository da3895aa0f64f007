/**
 * Codec micro-benchmarks (tinybench): encode and decode of protocol frames by kind and payload
 * size, against JSON and @msgpack/msgpack, plus the publish hot path (pack once + frame build).
 *
 *   npm run bench                      human table
 *   npm run bench -- --json out.json   also machine-readable results
 *
 * Results depend on the machine: docs/benchmarks.md records them with machine, Node version and
 * uWS build.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { encode as mpEncode, decode as mpDecode } from '@msgpack/msgpack';
import { Bench } from 'tinybench';
import { jsonCodec, Kind, msgpackCodec, msgpackMessageFrame, packValue, toClientFrame, type Frame } from '../src/protocol/index.js';

const SIZES = [16, 256, 4096] as const;

/** A payload object whose msgpack encoding is close to `bytes` long (a price tick plus padding). */
function payload(bytes: number): unknown {
  const base = { px: 101.25, qty: 3, side: 'buy', ts: 1_700_000_000_000 };
  const baseSize = packValue(base).length;
  return bytes <= baseSize ? { px: 1.5 } : { ...base, pad: 'x'.repeat(bytes - baseSize - 6) };
}

const bench = new Bench({ time: 600, warmupTime: 200 });

for (const size of SIZES) {
  const data = payload(size);
  const publish: Frame = { kind: Kind.Publish, id: 0, topic: 'prices:btc-usd', data };
  const message: Frame = { kind: Kind.Message, topic: 'prices:btc-usd', seq: 123_456, data };
  const packedPublish = msgpackCodec.encode(publish) as Uint8Array;
  const jsonPublish = jsonCodec.encode(publish) as string;
  const mpPublish = mpEncode([Kind.Publish, 0, 'prices:btc-usd', data]);
  const packedPayload = packValue(data);

  bench
    .add(`encode message frame, ${size} B payload (msgpack codec)`, () => msgpackCodec.encode(message))
    .add(`encode message frame, ${size} B payload (JSON codec)`, () => jsonCodec.encode(message))
    .add(`encode message frame, ${size} B payload (@msgpack/msgpack)`, () => mpEncode([Kind.Message, 'prices:btc-usd', 123_456, data]))
    .add(`decode+validate publish frame, ${size} B payload (msgpack codec)`, () => toClientFrame(msgpackCodec.decode(packedPublish)[0]))
    .add(`decode+validate publish frame, ${size} B payload (JSON codec)`, () => toClientFrame(jsonCodec.decode(jsonPublish)[0]))
    .add(`decode publish frame, ${size} B payload (@msgpack/msgpack)`, () => mpDecode(mpPublish))
    .add(`publish path: pack data once + build message frame, ${size} B payload`, () => msgpackMessageFrame('prices:btc-usd', 123_456, packValue(data)))
    .add(`publish path: build message frame from packed payload, ${size} B payload`, () => msgpackMessageFrame('prices:btc-usd', 123_456, packedPayload));
}

// Round trip of a ~100-byte message (the issue-5 target: under 1 µs).
const hundred = { kind: Kind.Message, topic: 'prices:btc-usd', seq: 1, data: payload(80) } as const;
bench.add('encode+decode message frame, 100 B total (msgpack codec)', () => msgpackCodec.decode(msgpackCodec.encode(hundred)));

await bench.run();

const rows = bench.tasks.map((task) => {
  // Medians: the mean of a shared 2-core box is dominated by GC pauses and neighbours.
  const result = task.result as { latency?: { mean: number; p50: number; p99: number }; samples?: unknown[] } | undefined;
  const latency = result?.latency;
  return {
    case: task.name,
    medianNs: latency ? Math.round(latency.p50 * 1e6) : null,
    meanNs: latency ? Math.round(latency.mean * 1e6) : null,
    p99Ns: latency ? Math.round(latency.p99 * 1e6) : null,
    opsPerSec: latency && latency.p50 > 0 ? Math.round(1000 / latency.p50) : null,
  };
});
console.table(rows);

const jsonIndex = process.argv.indexOf('--json');
if (jsonIndex > 0) {
  const file = process.argv[jsonIndex + 1] ?? 'bench-results.json';
  const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryBytes: os.totalmem(), node: process.version, platform: `${os.platform()} ${os.release()}` };
  writeFileSync(file, `${JSON.stringify({ suite: 'codec', machine, results: rows }, null, 2)}\n`);
  console.log(`wrote ${file}`);
}
