/**
 * Which publications a run sends (coordinator side). A run with Pusher-protocol subscribers on any
 * of its servers publishes Pusher events (probe-text.ts) to every server, so a compare of native
 * and Pusher subscribers offers both the very same publications at the same payload.
 */
import type { LoadOptions } from '../options.js';
import { PROBE_EVENT, type PublicationShape } from './probe-text.js';
import { dialectOf, splitServerSpec } from '../targets/server-under-test.js';

/** `event` when any server of the run has Pusher subscribers, else `bin`. */
export function publicationShapeFor(options: Pick<LoadOptions, 'scenario' | 'server' | 'servers'>): PublicationShape {
  const specs = options.scenario === 'compare' ? options.servers : [options.server];
  return specs.some((spec) => dialectOf(splitServerSpec(spec).kind) === 'pusher') ? 'event' : 'bin';
}

/** What an `event` run publishes and why its servers are comparable, for the run's description ('' for `bin`). */
export function describePublications(shape: PublicationShape): string {
  if (shape === 'bin') return '';
  return `publications are the Pusher event {event: "${PROBE_EVENT}", data: "<seq>:<sent µs>:aaa…"} (data --payload characters) on every server, published natively; every switchboard kind runs with the same Pusher app configured, so only the subscribers' protocol differs`;
}
