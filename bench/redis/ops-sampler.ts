/**
 * Redis's command rate, sampled from the side: `INFO stats` every `intervalMs` on a connection of
 * its own, the rate being the `total_commands_processed` delta over the elapsed time (its own
 * commands subtracted). INFO is read with Redis's `TIME` in one MULTI, so the elapsed time is
 * Redis's: on a loaded box the bench's event loop may handle two answers back to back, and its own
 * clock would turn that into a made-up burst. Redis's `instantaneous_ops_per_sec` is kept too, but it is a ~1.6 s moving
 * average, too slow for a reconnect that lasts a second or two. The counter restarts at 0 when
 * Redis restarts; the sampler reconnects by itself and takes such a drop as a restart.
 */
import { Redis } from 'ioredis';

/** One sample: when (ms since the sampler started), commands per second since the previous one. */
export interface OpsSample {
  readonly atMs: number;
  readonly opsPerSecond: number;
  readonly instantaneous: number;
}

// Commands each sample adds to the counter: MULTI, TIME, INFO, EXEC.
const SELF = 4;

export class OpsSampler {
  readonly samples: OpsSample[] = [];
  private readonly client: Redis;
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly started = Date.now();
  private previous: { serverUs: number; total: number } | undefined;
  private busy = false;

  constructor(url: string, intervalMs = 100) {
    this.client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 1000, retryStrategy: () => 20, connectionName: 'bench-sampler' });
    this.client.on('error', () => {}); // Redis is killed on purpose; the sampler reconnects
    this.timer = setInterval(() => void this.sample(), intervalMs);
  }

  /** Milliseconds since the sampler started (the time base of `samples`). */
  now(): number {
    return Date.now() - this.started;
  }

  /** The highest rate sampled between two times (ms on the sampler's clock). */
  peak(fromMs: number, toMs: number): { opsPerSecond: number; instantaneous: number } {
    let opsPerSecond = 0;
    let instantaneous = 0;
    for (const sample of this.samples) {
      if (sample.atMs < fromMs || sample.atMs > toMs) continue;
      opsPerSecond = Math.max(opsPerSecond, sample.opsPerSecond);
      instantaneous = Math.max(instantaneous, sample.instantaneous);
    }
    return { opsPerSecond, instantaneous };
  }

  close(): void {
    clearInterval(this.timer);
    this.client.disconnect();
  }

  // Never rejects: a failed INFO (Redis down or stopped) leaves a hole in the samples.
  private async sample(): Promise<void> {
    if (this.busy || this.client.status !== 'ready') return;
    this.busy = true;
    try {
      const [time, stats] = (await this.client.multi().time().info('stats').exec()) ?? [];
      const info = String(stats?.[1] ?? '');
      const [seconds, micros] = (time?.[1] ?? ['0', '0']) as [string, string];
      const serverUs = Number(seconds) * 1e6 + Number(micros);
      const atMs = this.now();
      const total = Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? NaN);
      const instantaneous = Number(/instantaneous_ops_per_sec:(\d+)/.exec(info)?.[1] ?? 0);
      const previous = this.previous;
      this.previous = { serverUs, total };
      if (previous === undefined || !Number.isFinite(total) || serverUs <= previous.serverUs) return;
      // After a restart the counter starts again from 0: everything counted is new.
      const delta = total >= previous.total ? total - previous.total - SELF : total;
      this.samples.push({ atMs, opsPerSecond: Math.max(0, delta) / ((serverUs - previous.serverUs) / 1e6), instantaneous });
    } catch {
      // Redis away: no sample
    } finally {
      this.busy = false;
    }
  }
}
