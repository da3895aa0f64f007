import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { waitFor } from '../helpers/server.js';

const SERVER = fileURLToPath(new URL('./fixtures/rss-server.ts', import.meta.url));
const ROUND = 5_000;
const ROUNDS = 3;
const WARM_UP = 5_000;
const CONCURRENCY = 100;
// The JS heap is ours whatever the machine: a leak of 270 B per refused attempt over the 15,000
// measured would add 4 MiB, so this bound is sharp and portable. RSS also holds the allocator's and
// uWS's high-water marks, which differ between machines and builds, so it is judged by whether it
// flattens: the last round may add at most half of what the first added, or 3 MiB (noise). A
// native leak grows every round by the same amount and fails that.
const MAX_HEAP_GROWTH_BYTES = 4 * 1024 * 1024;
const RSS_NOISE_BYTES = 3 * 1024 * 1024;
const MiB = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

/**
 * One refused upgrade over a fresh TCP connection. Authentication and origin refusals complete the
 * upgrade and close at once (docs/protocol.md §1.5): resolves with the close code of the server's
 * first frame after the 101 and its Pong (or the HTTP status of a refusal without upgrade).
 */
function refusedUpgrade(port: number, i: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    // Alternate the refusals: a forged token (4504) and a foreign origin (4505).
    const extra = i % 2 === 0 ? `Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.${'A'.repeat(43)}\r\n` : 'Origin: https://evil.example\r\n';
    socket.write(
      `GET /?n=${i} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`,
    );
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const text = received.toString('latin1');
      const match = /^HTTP\/1\.1 (\d{3})/.exec(text);
      const end = text.indexOf('\r\n\r\n');
      if (match === null || end < 0) return;
      if (match[1] !== '101') {
        socket.destroy();
        resolve(Number(match[1]));
        return;
      }
      // The first frame other than a Pong (the refusal answer's, protocol.md §1.5): a close (0x88)
      // whose payload starts with the code.
      let frame = received.subarray(end + 4);
      while (frame.length >= 2 && frame[0] === 0x8a && frame.length >= 2 + (frame[1]! & 0x7f)) frame = frame.subarray(2 + (frame[1]! & 0x7f));
      if (frame.length < 4 || frame[0] === 0x8a) return;
      socket.destroy();
      resolve(frame[0] === 0x88 ? frame.readUInt16BE(2) : -frame[0]!);
    });
    socket.on('error', reject);
  });
}

async function hammer(port: number, count: number): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        const status = await refusedUpgrade(port, next++);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }),
  );
  return statuses;
}

test('refused upgrades leave the server heap at its baseline and its RSS flattening', async (t) => {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', SERVER], { stdio: ['pipe', 'pipe', 'inherit'] });
  after(() => child.kill('SIGKILL'));
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitFor(() => /port \d+/.test(output), 10_000, 'server to listen');
  const port = Number(/port (\d+)/.exec(output)![1]);
  /** Full GC in the server, then its memory. */
  const measure = async () => {
    const count = (output.match(/memory \d+ \d+/g) ?? []).length;
    child.stdin!.write('gc\n');
    await waitFor(() => (output.match(/memory \d+ \d+/g) ?? []).length > count, 5000, 'gc');
    const [, rss, heap] = [...output.matchAll(/memory (\d+) (\d+)/g)].at(-1)!;
    return { rss: Number(rss), heap: Number(heap) };
  };

  // Warm up (JIT, pools, jose's key cache, allocator arenas) so the baseline is the steady state.
  await hammer(port, WARM_UP);
  const baseline = await measure();
  const samples = [baseline];
  for (let round = 0; round < ROUNDS; round++) {
    const codes = await hammer(port, ROUND);
    assert.deepEqual([...codes].sort(), [[4504, ROUND / 2], [4505, ROUND / 2]]);
    samples.push(await measure());
  }
  const end = samples.at(-1)!;
  const growth = samples.slice(1).map((sample, i) => sample.rss - samples[i]!.rss);
  t.diagnostic(`baseline RSS ${MiB(baseline.rss)} heap ${MiB(baseline.heap)}; RSS growth per round of ${ROUND}: ${growth.map(MiB).join(', ')}; heap after ${MiB(end.heap)}`);
  assert.ok(end.heap - baseline.heap < MAX_HEAP_GROWTH_BYTES, `heap grew by ${MiB(end.heap - baseline.heap)}`);
  const last = growth.at(-1)!;
  assert.ok(last <= Math.max(RSS_NOISE_BYTES, growth[0]! / 2), `RSS does not flatten: growth per round ${growth.map(MiB).join(', ')}`);
  // Still serving.
  assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
  child.stdin!.end();
});
