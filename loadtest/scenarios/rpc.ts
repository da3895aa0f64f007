/**
 * rpc: C connections call the server's `echo` method `rate` times per second in total, on a fixed
 * schedule regardless of outstanding answers (open model); the round trip is measured from the
 * intended send time stamped into the request data.
 */
import type { RpcResult } from '../generator/ipc.js';
import type { ScenarioResult } from '../report/result.js';
import type { RunContext } from '../run.js';
import { baseResult, checkConnected, startGenerator } from './common.js';
import { Generator } from '../generator/generator.js';

export async function runRpc(ctx: RunContext): Promise<ScenarioResult> {
  const { options, log } = ctx;
  const rssBaseline = ctx.sampler?.sample()?.rssBytes ?? null;
  const generator = await startGenerator(ctx, { subscribers: 0, probes: 0, publishers: 0, rpcCallers: options.connections });
  const connect = await generator.connect();
  checkConnected(ctx, generator, connect, ['rpc']);
  const rssConnected = ctx.sampler?.sample()?.rssBytes ?? null;
  const caller = generator.role('rpc')!;
  log(`warm-up, then ${options.rate} echo calls/s for ${options.duration} s over ${options.connections} connections`);
  await caller.request<RpcResult>({ type: 'rpc', rate: options.rate, durationMs: 1000, payloadBytes: options.payload });
  await generator.drain(Number.MAX_SAFE_INTEGER, 1);
  const before = (await generator.reports())[0]!.rpc!;
  const { window } = await generator.window(ctx.sampler, async () => {
    await caller.request<RpcResult>({ type: 'rpc', rate: options.rate, durationMs: options.duration * 1000, payloadBytes: options.payload });
  });
  await generator.drain(Number.MAX_SAFE_INTEGER, Math.min(options.drain, 2));
  const reports = await generator.reports();
  const after = reports[0]!.rpc!;
  const rpc = { sent: after.sent - before.sent, answered: after.answered - before.answered, failed: after.failed - before.failed };
  const result = baseResult(ctx, { window, reports, latency: Generator.latency(reports, ['rpc']), published: rpc.sent, connections: connect.ok, rssBaseline, rssConnected });
  result.connect = connect;
  result.rpc = rpc;
  result.lost = Math.max(0, rpc.sent - rpc.answered - rpc.failed);
  return result;
}
