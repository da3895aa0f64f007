/**
 * http-publish: autocannon (its own process, loadtest/autocannon/publish.ts) drives
 * `POST /api/publish` as fast as its connections allow while subscribers over T topics count
 * deliveries and probes measure publish → deliver latency. autocannon is closed-loop: the stamp is
 * when a request was built, so this latency shows the server's queueing, not an open-model schedule.
 */
import { fork } from 'node:child_process';
import type { HttpPublishPlan, HttpPublishResult } from '../autocannon/publish.js';
import { buildEntries, entryPath } from '../build.js';
import { Generator } from '../generator/generator.js';
import { readProc } from '../targets/proc-stats.js';
import { judgeBottleneck, type ScenarioResult } from '../report/result.js';
import type { RunContext } from '../run.js';
import { baseResult, readConnected, round, startGenerator } from './common.js';

async function runAutocannon(plan: HttpPublishPlan): Promise<{ result: HttpPublishResult; cpuSeconds: number }> {
  await buildEntries();
  const child = fork(entryPath('autocannon'), [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let cpuSeconds = 0;
  // Sampled just before the child exits (its last message), so its whole run is counted.
  const result = await new Promise<HttpPublishResult>((resolve, reject) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), (plan.durationSec + 30) * 1000);
    child.on('message', (message: { type: 'done'; result: HttpPublishResult } | { type: 'failed'; error: string }) => {
      cpuSeconds = (child.pid && readProc(child.pid)?.cpuSeconds) || 0;
      clearTimeout(kill);
      if (message.type === 'done') resolve(message.result);
      else reject(new Error(`autocannon: ${message.error}`));
    });
    child.once('exit', (code) => {
      clearTimeout(kill);
      reject(new Error(`autocannon exited with ${code}`));
    });
    child.send(plan);
  });
  return { result, cpuSeconds };
}

export async function runHttpPublish(ctx: RunContext): Promise<ScenarioResult> {
  const { options, log, server } = ctx;
  const rssBaseline = ctx.sampler?.sample()?.rssBytes ?? null;
  const generator = await startGenerator(ctx, { subscribers: options.connections, probes: options.probes, publishers: 0, rpcCallers: 0 });
  const connect = await generator.connect();
  const connected = await readConnected(ctx);
  const rssConnected = connected.sample?.rssBytes ?? null;
  const plan: HttpPublishPlan = { url: `http://${server.host}:${server.port}`, connections: options.httpConnections, pipelining: options.httpPipelining, durationSec: options.duration, topics: options.topics, payloadBytes: options.payload };
  log(`warm-up 1 s, then autocannon: ${options.httpConnections} connections × ${options.httpPipelining} pipelined for ${options.duration} s against POST /api/publish`);
  await runAutocannon({ ...plan, durationSec: 1 });
  await generator.drain(Number.MAX_SAFE_INTEGER, 1);
  const { value: cannon, window } = await generator.window(ctx.sampler, () => runAutocannon(plan));
  await generator.drain(Number.MAX_SAFE_INTEGER, Math.min(options.drain, 3));
  const reports = await generator.reports();
  const result = baseResult(ctx, { window, reports, latency: Generator.latency(reports, ['probes']), published: cannon.result.requests, connections: connect.ok, rssBaseline, rssConnected, connected });
  // autocannon ran as its own process: add its CPU to the generator's.
  const autocannonCpu = (cannon.cpuSeconds / window.wallSec) * 100;
  result.generatorCpuPercent.byRole.autocannon = round(autocannonCpu, 1);
  result.generatorCpuPercent.total = round(result.generatorCpuPercent.total + autocannonCpu, 1);
  result.bottleneck = judgeBottleneck(result.serverCpuPercent, result.generatorCpuPercent.byRole, result.machine.cpus, result.generatorCpuPercent.total, result.machineCpuPercent);
  result.connect = connect;
  result.http = {
    requests: cannon.result.requests,
    requestsPerSec: Math.round(cannon.result.requests / cannon.result.durationSec),
    non2xx: cannon.result.non2xx,
    errors: cannon.result.errors,
    latencyMs: cannon.result.latencyMs,
  };
  return result;
}
