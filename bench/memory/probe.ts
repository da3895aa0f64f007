/**
 * Preloaded (`--import`) into a forked server under measurement: on `{ type: 'measure' }` it
 * collects garbage until the heap stops shrinking, reads process.memoryUsage(), writes a heap
 * snapshot if asked (`snapshot: file`) and answers `{ type: 'measured', usage }`. Needs
 * `--expose-gc`. The usage is read before the snapshot, which allocates a lot of native memory.
 */
import { getHeapStatistics, writeHeapSnapshot } from 'node:v8';

/** What the probe answers. */
export interface MeasuredMessage {
  type: 'measured';
  usage: NodeJS.MemoryUsage;
  /** Bytes of V8 heap backed by physical memory: RSS minus this is memory outside the JS heap. */
  heapPhysical: number;
}

const gc = (globalThis as { gc?: () => void }).gc;
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

async function settle(): Promise<void> {
  if (gc === undefined) throw new Error('the measured server needs --expose-gc');
  // Weak callbacks and finalizers free more on the next turn; stop when a pass frees nothing.
  let last = Infinity;
  for (let pass = 0; pass < 10; pass++) {
    gc();
    await turn();
    const used = process.memoryUsage().heapUsed;
    if (used >= last) return;
    last = used;
  }
}

process.on('message', (message: { type?: string; snapshot?: string }) => {
  if (message?.type !== 'measure') return;
  const file = message.snapshot;
  settle().then(() => {
    const usage = process.memoryUsage();
    const heapPhysical = getHeapStatistics().total_physical_size;
    if (file !== undefined) writeHeapSnapshot(file);
    const answer: MeasuredMessage = { type: 'measured', usage, heapPhysical };
    process.send?.(answer);
  });
});
