/**
 * What a delivered message costs the server, from two /proc readings around the measurement
 * window: CPU µs per delivery and deliveries per core-second. Unlike delivered/s, these still
 * separate servers when every one of them keeps up with the offered load (they then all deliver
 * the same number, but not at the same cost), so a below-the-knee `compare` still says something.
 */
import type { ProcReading } from '../targets/proc-stats.js';

export interface ServerEfficiency {
  /** Server CPU (user + system) spent in the window, seconds; null without a pid. */
  serverCpuSec: number | null;
  /** Server CPU µs per delivered message; null without a pid or when nothing was delivered. */
  cpuUsPerDelivery: number | null;
  /** Deliveries per second of server CPU: the rate one fully used core would sustain at this cost. */
  deliveriesPerCoreSec: number | null;
}

const NONE: ServerEfficiency = { serverCpuSec: null, cpuUsPerDelivery: null, deliveriesPerCoreSec: null };

/** Efficiency from the server's readings before and after the window and the deliveries in it. */
export function serverEfficiency(before: ProcReading | undefined, after: ProcReading | undefined, delivered: number): ServerEfficiency {
  if (before === undefined || after === undefined) return NONE;
  const cpuSec = Math.max(0, after.cpuSeconds - before.cpuSeconds);
  // CPU time is counted in clock ticks (10 ms): zero ticks means "too little to see", not "free"
  // (or a --server-pid that is not the server, e.g. the npm wrapper around it).
  if (delivered <= 0 || cpuSec === 0) return { ...NONE, serverCpuSec: cpuSec };
  return { serverCpuSec: cpuSec, cpuUsPerDelivery: (cpuSec * 1e6) / delivered, deliveriesPerCoreSec: delivered / cpuSec };
}
