/**
 * One phrase per result saying whether the server kept up with the offered load and, when it did
 * not, which side ran out first: what a reader wants before any number.
 */
import type { ScenarioResult } from './result.js';

/** p99 above which a run does not count as keeping up (publish → deliver, ms). @default 50 */
export const DEFAULT_P99_BOUND_MS = 50;

/** True when nothing was lost, the probes' p99 stayed under the bound and the publisher kept its schedule. */
export function keptUp(r: ScenarioResult, p99BoundMs = DEFAULT_P99_BOUND_MS): boolean {
  if (r.serverBuild === 'run failed') return false;
  const offeredEnough = r.params.rate === undefined || r.offeredPerSec >= 0.95 * Number(r.params.rate);
  return r.lost === 0 && r.latencyMs.p99 <= p99BoundMs && offeredEnough && (r.connect?.failed ?? 0) === 0;
}

/** Why a run did not keep up, shortest first: refused connections, loss, latency, a slow publisher. */
export function shortfall(r: ScenarioResult, p99BoundMs = DEFAULT_P99_BOUND_MS): string {
  if (r.serverBuild === 'run failed') return r.errors[0] ?? 'run failed';
  const reasons: string[] = [];
  if ((r.connect?.failed ?? 0) > 0) reasons.push(`${r.connect!.failed} connections failed`);
  if (r.lost > 0) reasons.push(`${r.lost.toLocaleString('en-US')} lost`);
  if (r.latencyMs.p99 > p99BoundMs) reasons.push(`p99 ${r.latencyMs.p99} ms > ${p99BoundMs} ms`);
  if (r.params.rate !== undefined && r.offeredPerSec < 0.95 * Number(r.params.rate)) reasons.push(`publisher offered only ${r.offeredPerSec}/s of ${r.params.rate}/s`);
  return reasons.join(', ');
}

/**
 * The cause of falling behind, in plain words. A Node process runs its JavaScript on one core, so
 * "out of CPU" means at 90 % or more of one core (judgeBottleneck).
 */
export const CAUSES = {
  server: 'server out of CPU (a full core)',
  generator: 'load generator out of CPU (the harness, not the server, was the limit)',
  both: 'server and load generator both out of CPU',
  machine: 'machine busy (every core 90 % or more in use, no single process at a full core)',
  none: 'fell behind with CPU to spare',
} as const;

/** "kept up", "server out of CPU", "load generator out of CPU", … from loss, p99 and the CPU readings. */
export function verdict(r: ScenarioResult, p99BoundMs = DEFAULT_P99_BOUND_MS): string {
  if (r.serverBuild === 'run failed') return 'run failed';
  const cpu = r.serverCpuPercent === null ? '' : ` (server at ${r.serverCpuPercent.toFixed(0)} % of a core)`;
  if (keptUp(r, p99BoundMs)) return `kept up${cpu}`;
  const side = r.bottleneck.split(' ')[0];
  const cause = side === 'server' || side === 'generator' || side === 'both' || side === 'machine' ? CAUSES[side] : CAUSES.none;
  return `${cause}: ${shortfall(r, p99BoundMs)}`;
}
