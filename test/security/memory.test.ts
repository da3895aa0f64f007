import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { waitFor } from '../helpers/server.js';

const SERVER = fileURLToPath(new URL('./fixtures/rss-server.ts', import.meta.url));
const ATTEMPTS = 10_000;
const WARM_UP = 5_000;
const CONCURRENCY = 100;
// Allowed growth over 10,000 refusals after the warm-up. Measured on the dev VM (Node 20, trufflesuite
// uWS 20.30): RSS +10–14 MiB of native/allocator high-water mark that plateaus (five rounds of
// 10,000 stayed within 113–119 MiB), JS heap +0.0 MiB. A leak of 400 B per refused attempt would
// add 4 MiB of heap, so the heap bound is the sharp one; the RSS bound catches native leaks of
// more than ~2.4 KiB per attempt.
const MAX_RSS_GROWTH_BYTES = 24 * 1024 * 1024;
const MAX_HEAP_GROWTH_BYTES = 4 * 1024 * 1024;
const MiB = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

/** One refused upgrade over a fresh TCP connection; resolves with the status line's code. */
function refusedUpgrade(port: number, i: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    // Alternate the refusals: a forged token (401) and a foreign origin (403).
    const extra = i % 2 === 0 ? `Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.${'A'.repeat(43)}\r\n` : 'Origin: https://evil.example\r\n';
    socket.write(
      `GET /?n=${i} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`,
    );
    let head = '';
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const match = /^HTTP\/1\.1 (\d{3})/.exec(head);
      if (match && head.includes('\r\n\r\n')) {
        socket.destroy();
        resolve(Number(match[1]));
      }
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

test('after 10,000 refused upgrades the server RSS and heap return near their baseline', async (t) => {
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
  const statuses = await hammer(port, ATTEMPTS);
  const end = await measure();
  t.diagnostic(`baseline RSS ${MiB(baseline.rss)} heap ${MiB(baseline.heap)}; after ${ATTEMPTS} refusals RSS ${MiB(end.rss)} heap ${MiB(end.heap)}`);
  assert.deepEqual([...statuses].sort(), [[401, ATTEMPTS / 2], [403, ATTEMPTS / 2]]);
  assert.ok(end.heap - baseline.heap < MAX_HEAP_GROWTH_BYTES, `heap grew by ${MiB(end.heap - baseline.heap)}`);
  assert.ok(end.rss - baseline.rss < MAX_RSS_GROWTH_BYTES, `RSS grew by ${MiB(end.rss - baseline.rss)}`);
  // Still serving.
  assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
  child.stdin!.end();
});
