/**
 * What a generator worker counts, in one place: connections open and failed, deliveries (rpc:
 * answers) since start and since the last mark, latency and connect-time histograms, the first few
 * distinct errors, and the CPU and wall clock since the mark. The connections update it; the
 * coordinator's snapshot and report commands read it.
 */
import { nowUs } from './clock.js';
import { encodeHistogram, newHistogram } from './histogram.js';
import type { RpcResult, Snapshot } from './ipc.js';

/** Distinct errors a worker keeps: the first few say why; thousands of copies say nothing more. */
const MAX_ERRORS_KEPT = 5;

/** A worker's counters; one per worker process. */
export class WorkerTally {
  /** Publish → deliver (probes) or round trip (rpc callers), µs. Reset at each mark. */
  readonly latency = newHistogram();
  /** Connect + upgrade + subscribe acknowledged, µs, one value per connection that came up. */
  readonly connectTimes = newHistogram();
  readonly errors: string[] = [];
  readonly rpc: RpcResult = { sent: 0, answered: 0, failed: 0 };
  /** Connections open and subscribed right now. */
  open = 0;
  /** Connections that failed before they were subscribed. */
  failed = 0;
  /** Connections whose first connect attempt is over, either way. */
  settled = 0;
  /** Subscribed connections the server closed while the run was not closing them. */
  closedUnexpectedly = 0;
  /** Deliveries (rpc: answers) since the worker started. */
  receivedTotal = 0;
  /** Deliveries (rpc: answers) since the last mark. */
  received = 0;
  private markCpu = process.cpuUsage();
  private markWallUs = nowUs();

  /** Keeps `reason` if it is new and there is room. */
  noteError(reason: string): void {
    if (this.errors.length < MAX_ERRORS_KEPT && !this.errors.includes(reason)) this.errors.push(reason);
  }

  /** One delivery or rpc answer. */
  countReceived(): void {
    this.received++;
    this.receivedTotal++;
  }

  /** Records `receivedUs - sentUs` (callers skip a NaN stamp, a frame without one, before reading the clock). */
  recordLatency(receivedUs: number, sentUs: number): void {
    this.latency.recordValue(Math.max(1, Math.round(receivedUs - sentUs)));
  }

  /** A connection came up `tookUs` after it started dialling. */
  recordConnect(tookUs: number): void {
    this.connectTimes.recordValue(Math.max(1, Math.round(tookUs)));
  }

  /** Starts the measurement window: received, CPU, wall clock and latency count from here. */
  mark(): void {
    this.received = 0;
    this.markCpu = process.cpuUsage();
    this.markWallUs = nowUs();
    this.latency.reset();
  }

  /** The figures since the mark; `alive` is counted by the connections. */
  snapshot(alive: number): Snapshot {
    const cpu = process.cpuUsage(this.markCpu);
    return { received: this.received, cpuUs: cpu.user + cpu.system, wallUs: nowUs() - this.markWallUs, open: this.open, alive };
  }

  /** The connect phase's answer figures: connect-time histogram, compressed. */
  encodedConnectTimes(): string {
    return encodeHistogram(this.connectTimes);
  }

  /** The latency histogram, compressed for the coordinator. */
  encodedLatency(): string {
    return encodeHistogram(this.latency);
  }
}
