/**
 * compare: the same fanout against each server, each a fresh process, over `--repeat` rounds with
 * the order rotated each round; the summary holds the medians, the ratios against the first server
 * and whether any server sits on the knee.
 */
import type { LoadReport } from '../report/load-report.js';
import type { LoadOptions } from '../options.js';
import { roundOrder, summariseRounds } from '../report/rounds.js';
import type { ScenarioResult } from '../report/result.js';
import { withServer } from '../run.js';
import { describePublications, publicationShapeFor } from '../dialects/publication-shape.js';
import { failedResult } from './common.js';
import { runFanout } from './fanout.js';

/** The load compare offers, in words. */
export function describeLoad(options: LoadOptions): string {
  const perTopic = ((options.connections + options.probes) * options.topicsPerConnection) / options.topics;
  const offered = Math.round(options.rate * perTopic);
  const publications = describePublications(publicationShapeFor(options));
  return `${options.connections.toLocaleString('en-US')} subscribers + ${options.probes} probes on ${options.topics} topic${options.topics === 1 ? '' : 's'} × ${options.rate.toLocaleString('en-US')} msg/s = ${offered.toLocaleString('en-US')} deliveries/s offered, ${options.duration} s per run, ${options.repeat} round${options.repeat === 1 ? '' : 's'}${publications ? `; ${publications}` : ''}`;
}

export async function runCompare(options: LoadOptions, log: (line: string) => void): Promise<LoadReport> {
  const results: ScenarioResult[] = [];
  for (let round = 0; round < options.repeat; round++) {
    const order = roundOrder(options.servers, round);
    if (options.repeat > 1) log(`round ${round + 1} of ${options.repeat}: ${order.join(', ')}`);
    for (const [position, kind] of order.entries()) {
      // One server failing (e.g. Socket.IO growing past --max-server-rss) must not lose the others.
      const result = await withServer(options, kind, runFanout).catch((err: unknown) => failedResult(options, kind, err));
      result.scenario = 'compare';
      result.round = round;
      result.roundPosition = position;
      results.push(result);
    }
  }
  return { scenario: 'compare', load: describeLoad(options), results, repeat: summariseRounds(results, options.servers, options.p99BoundMs) };
}
