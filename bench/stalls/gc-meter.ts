/**
 * Counts what the garbage collector sees between `start()` and `stop()`: bytes allocated on the JS
 * heap (and external ArrayBuffer memory), and every collection by type with its pause. Built on
 * V8's GCProfiler, which records the heap before and after each collection: what was allocated is
 * the growth between one collection's end and the next one's start. These figures do not depend
 * on how busy the machine is, so they can be compared before and after a change on a shared box.
 */
import { GCProfiler, getHeapStatistics } from 'node:v8';

/** One run's collections and allocation. */
export interface GcReport {
  /** Bytes allocated on the JS heap during the run. */
  heapBytes: number;
  /** Bytes of external (ArrayBuffer) memory allocated during the run (approximate: growth between collections). */
  externalBytes: number;
  /** Collections by V8's type name (Scavenge, MarkSweepCompact, ...). */
  counts: Record<string, number>;
  /** Total pause over all collections, ms. */
  totalPauseMs: number;
  /** Longest single collection, ms. */
  maxPauseMs: number;
  /** Median collection, ms. */
  medianPauseMs: number;
}

interface HeapPoint {
  usedHeapSize: number;
  externalMemory: number;
}

interface GcStatistic {
  gcType: string;
  cost: number; // µs
  beforeGC: { heapStatistics: HeapPoint };
  afterGC: { heapStatistics: HeapPoint };
}

function heapNow(): HeapPoint {
  const { used_heap_size, external_memory } = getHeapStatistics();
  return { usedHeapSize: used_heap_size, externalMemory: external_memory };
}

export class GcMeter {
  private profiler: GCProfiler | undefined;
  private startPoint: HeapPoint | undefined;

  start(): void {
    this.profiler = new GCProfiler();
    this.startPoint = heapNow();
    this.profiler.start();
  }

  stop(): GcReport {
    const result = this.profiler!.stop() as unknown as { statistics: GcStatistic[] } | undefined;
    const end = heapNow();
    const statistics = result?.statistics ?? [];
    let heapBytes = 0;
    let externalBytes = 0;
    let previous = this.startPoint!;
    const counts: Record<string, number> = {};
    let totalPauseMs = 0;
    let maxPauseMs = 0;
    const pauses: number[] = [];
    for (const gc of statistics) {
      const before = gc.beforeGC.heapStatistics;
      heapBytes += Math.max(0, before.usedHeapSize - previous.usedHeapSize);
      externalBytes += Math.max(0, before.externalMemory - previous.externalMemory);
      previous = gc.afterGC.heapStatistics;
      counts[gc.gcType] = (counts[gc.gcType] ?? 0) + 1;
      const pauseMs = gc.cost / 1000;
      totalPauseMs += pauseMs;
      maxPauseMs = Math.max(maxPauseMs, pauseMs);
      pauses.push(pauseMs);
    }
    heapBytes += Math.max(0, end.usedHeapSize - previous.usedHeapSize);
    externalBytes += Math.max(0, end.externalMemory - previous.externalMemory);
    pauses.sort((a, b) => a - b);
    const medianPauseMs = pauses.length === 0 ? 0 : pauses[Math.floor(pauses.length / 2)]!;
    return { heapBytes, externalBytes, counts, totalPauseMs, maxPauseMs, medianPauseMs };
  }
}
