/**
 * The one oracle every door of the adversarial suite shares: a subscriber that receives a
 * publication every 100 ms while the doors are attacked, and must get every one, in order, each
 * within MAX_LATENCY_MS of its publish. It runs in a worker thread (bystander-worker.mjs) so the
 * attacker's own CPU work in this thread cannot pass for server latency.
 */
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { Worker } from 'node:worker_threads';
import { waitFor } from '../../helpers/server.js';

/**
 * Bound on each message's publish-to-delivery time. Generous for a 2-core box shared with other
 * test runs, yet far below what a stalled event loop (a synchronous parse of a hostile body, a
 * stack-overflow storm, a blocked hook queue) costs.
 */
export const MAX_LATENCY_MS = 1000;
/** How often the bystander's topic is published to. */
export const PERIOD_MS = 100;

export interface BystanderReport {
  subscribed: boolean;
  published: number;
  received: number;
  maxLatencyMs: number;
  problems: string[];
  closed: { code: number; reason: string } | undefined;
}

export interface TimedBystander {
  /**
   * Waits until two more publications than now have arrived (the pipeline is live after the
   * attack), then asserts: nothing out of order, lost, refused or late since the start.
   */
  check(what: string): Promise<BystanderReport>;
}

export async function startTimedBystander(options: { url: string; http: string; apiKey: string; token: string; topic?: string }): Promise<TimedBystander> {
  const worker = new Worker(new URL('./bystander-worker.mjs', import.meta.url), {
    workerData: { ...options, topic: options.topic ?? 'bystander', periodMs: PERIOD_MS, maxLatencyMs: MAX_LATENCY_MS },
  });
  let failure: Error | undefined;
  worker.on('error', (err) => (failure = err));
  after(() => worker.postMessage('stop'));
  let latest: BystanderReport | undefined;
  let ready = false;
  worker.on('message', (message: { ready?: true; report?: BystanderReport }) => {
    if (message.ready) ready = true;
    if (message.report) latest = message.report;
  });
  await waitFor(() => ready, 10_000, 'the bystander to subscribe');
  const ask = async (): Promise<BystanderReport> => {
    latest = undefined;
    worker.postMessage('report');
    await waitFor(() => latest !== undefined, 5000, 'a bystander report');
    return latest!;
  };
  return {
    async check(what) {
      if (failure) throw failure;
      const target = (await ask()).received + 2;
      const deadline = Date.now() + 10 * MAX_LATENCY_MS;
      let report = await ask();
      while (report.received < target && report.problems.length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, PERIOD_MS));
        report = await ask();
      }
      assert.deepEqual(report.problems, [], `bystander after ${what}`);
      assert.ok(report.received >= target, `bystander after ${what}: received ${report.received}, expected at least ${target}`);
      return report;
    },
  };
}
