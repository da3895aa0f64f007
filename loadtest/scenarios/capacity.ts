/**
 * capacity: ramp to N connections at R/s, each subscribed to k topics; hold; publish one heartbeat
 * per topic and count the connections that heard one on every topic they hold. Reports connect-time
 * percentiles, failures, the most connections held, server RSS per connection and RSS vs connections.
 */
import type { PublishResult } from '../generator/ipc.js';
import type { ScenarioResult } from '../report/result.js';
import type { RunContext } from '../run.js';
import { baseResult, readConnected, startGenerator } from './common.js';
import { Generator } from '../generator/generator.js';
import type { Sample } from '../targets/proc-stats.js';

// Heartbeats go out at this rate: fast enough to finish quickly, slow enough not to be the test.
const HEARTBEAT_RATE = 2000;

export async function runCapacity(ctx: RunContext): Promise<ScenarioResult> {
  const { options, log } = ctx;
  const rssBaseline = ctx.sampler?.sample()?.rssBytes ?? null;
  const generator = await startGenerator(ctx, { subscribers: options.connections, probes: options.probes, publishers: 1, rpcCallers: 0 });
  log(`ramping to ${options.connections} connections at ${options.connectRate}/s, ${options.topicsPerConnection} of ${options.topics} topics each`);
  const progress = setInterval(() => log(`  ${generator.openConnections()} open`), 2000);
  const connect = await generator.connect().finally(() => clearInterval(progress));
  log(`${connect.ok} open, ${connect.failed} failed${connect.errors.length ? `: ${connect.errors.join('; ')}` : ''}; holding ${options.duration} s`);
  await new Promise((resolve) => setTimeout(resolve, options.duration * 1000));
  // Idle RSS: the lowest reading of the last second of the hold (after the ramp's garbage is collected).
  const holdSamples = ctx.sampler?.samples.filter((sample) => sample.connections >= connect.ok) ?? [];
  const idle = holdSamples.slice(-4).reduce<Sample | undefined>((low, sample) => (low === undefined || sample.rssBytes < low.rssBytes ? sample : low), undefined);
  const connected = await readConnected(ctx, idle ?? ctx.sampler?.sample());
  const rssConnected = connected.sample?.rssBytes ?? null;
  const publisher = generator.role('publishers')!;
  log(`heartbeat: one message on each of ${options.topics} topics`);
  const { value: heartbeat, window } = await generator.window(ctx.sampler, async () => {
    const published = await publisher.request<PublishResult>({ type: 'publish', rate: HEARTBEAT_RATE, durationMs: 0, count: options.topics, payloadBytes: options.payload });
    await generator.drain((connect.ok - 1) * options.topicsPerConnection, Math.max(options.drain, 10));
    return published;
  });
  const { alive } = await generator.snapshot();
  const reports = await generator.reports();
  const result = baseResult(ctx, {
    window,
    reports,
    latency: Generator.latency(reports, ['probes']),
    published: heartbeat.published,
    publishedPerTopic: heartbeat.perTopic,
    connections: connect.ok,
    rssBaseline,
    rssConnected,
    connected,
  });
  result.connect = connect;
  const series = ctx.sampler?.samples ?? [];
  result.capacity = {
    target: options.connections + options.probes + 1,
    maxConnections: Math.max(connect.ok, ...series.map((sample) => sample.connections)),
    alive,
    heartbeatsPublished: heartbeat.published,
    rssSeries: series.map((sample) => ({ t: sample.t, connections: sample.connections, rssBytes: sample.rssBytes })),
  };
  return result;
}
