/**
 * fanout: S subscribers over T topics (bulk processes only count), a few latency probes in their
 * own process, P publisher connections publishing `rate` msgs/s in total on a fixed schedule
 * (WebSocket client publish, `[3, 0, topic, data]`), payload B bytes.
 */
import type { PublishResult } from '../generator/ipc.js';
import type { ScenarioResult } from '../report/result.js';
import type { RunContext } from '../run.js';
import { baseResult, checkConnected, explained, readConnected, startGenerator } from './common.js';
import { Generator } from '../generator/generator.js';

export async function runFanout(ctx: RunContext): Promise<ScenarioResult> {
  const { options, log } = ctx;
  const rssBaseline = ctx.sampler?.sample()?.rssBytes ?? null;
  const generator = await startGenerator(ctx, { subscribers: options.connections, probes: options.probes, publishers: options.publishers, rpcCallers: 0 });
  log(`connecting ${options.connections} subscribers + ${options.probes} probes + ${options.publishers} publishers`);
  const connect = await generator.connect();
  const diagnosis = checkConnected(ctx, generator, connect, ['publishers']);
  const connected = await readConnected(ctx);
  const rssConnected = connected.sample?.rssBytes ?? null;
  const publisher = generator.role('publishers')!;
  const subscribersPerTopic = ((options.connections + options.probes) * options.topicsPerConnection) / options.topics;
  // Warm-up: a second of the same load, not measured, so JIT compilation and first allocations
  // of every process are behind us. Its messages still count towards loss accounting.
  const warmupCount = Math.min(options.rate, Math.round(options.rate * options.duration));
  log(`warm-up: ${warmupCount} messages`);
  const warmup = await explained(generator, () => publisher.request<PublishResult>({ type: 'publish', rate: options.rate, durationMs: 1000, count: warmupCount, payloadBytes: options.payload }));
  await generator.drain(Math.round(warmup.published * subscribersPerTopic), options.drain);
  log(`publishing ${options.rate} msg/s for ${options.duration} s (${options.payload} B payload)`);
  const { value: publishResult, window } = await explained(generator, () =>
    generator.window(ctx.sampler, () => publisher.request<PublishResult>({ type: 'publish', rate: options.rate, durationMs: options.duration * 1000, payloadBytes: options.payload })),
  );
  await generator.drain(Math.round(publishResult.published * subscribersPerTopic), options.drain);
  const reports = await generator.reports();
  const result = baseResult(ctx, {
    window,
    reports,
    latency: Generator.latency(reports, ['probes']),
    published: publishResult.published,
    publishedPerTopic: publishResult.perTopic.map((count, topic) => count + (warmup.perTopic[topic] ?? 0)),
    windowPublishedPerTopic: publishResult.perTopic,
    connections: connect.ok,
    rssBaseline,
    rssConnected,
    connected,
  });
  result.connect = connect;
  result.errors.push(...diagnosis.filter((line) => !result.errors.includes(line)));
  if (publishResult.maxLagUs > 50_000) result.errors.push(`publisher fell ${(publishResult.maxLagUs / 1000).toFixed(0)} ms behind its schedule (counted in latency)`);
  return result;
}
