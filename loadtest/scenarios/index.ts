/** Scenario dispatch: every scenario is a function of a run context. */
import type { LoadOptions } from '../options.js';
import type { ScenarioResult } from '../result.js';
import { withServer } from '../session.js';
import { runCapacity } from './capacity.js';
import { runFanout } from './fanout.js';
import { runHttpPublish } from './http-publish.js';
import { runRpc } from './rpc.js';
import { failedResult } from './common.js';

/** Runs the chosen scenario; `compare` returns one result per server, the others one. */
export async function runScenario(options: LoadOptions): Promise<ScenarioResult[]> {
  switch (options.scenario) {
    case 'fanout':
      return [await withServer(options, options.server, runFanout)];
    case 'capacity':
      return [await withServer(options, options.server, runCapacity)];
    case 'rpc':
      if (options.server === 'socketio') throw new Error('rpc: the Socket.IO peer is only compared on fanout');
      return [await withServer(options, options.server, runRpc)];
    case 'http-publish':
      if (options.target === undefined && options.server !== 'switchboard') throw new Error('http-publish: only Switchboard has the HTTP publish API');
      return [await withServer(options, options.server, runHttpPublish)];
    case 'compare': {
      // The same fanout run against each server in turn, each a fresh process.
      const results: ScenarioResult[] = [];
      for (const kind of options.servers) {
        // One server failing (e.g. Socket.IO growing past --max-server-rss) must not lose the others.
        const result = await withServer(options, kind, runFanout).catch((err: unknown) => failedResult(options, kind, err));
        result.scenario = 'compare';
        results.push(result);
      }
      return results;
    }
    default: {
      const unknown: never = options.scenario;
      throw new Error(`unknown scenario ${String(unknown)}`);
    }
  }
}
