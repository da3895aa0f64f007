/** Scenario dispatch: every scenario is a function of a run context. */
import { kindOf, type LoadOptions } from '../options.js';
import type { ScenarioResult } from '../report/result.js';
import { withServer } from '../run.js';
import { runCapacity } from './capacity.js';
import { runFanout } from './fanout.js';
import { runHttpPublish } from './http-publish.js';
import { runRpc } from './rpc.js';
import type { LoadReport } from '../report/load-report.js';
import { runCompare } from './compare.js';
import { runFindMax } from './find-max.js';
import { runDrain } from './drain.js';

/** Runs the chosen scenario: compare and --find-max produce a summary, the others one result. */
export async function runScenario(options: LoadOptions): Promise<LoadReport> {
  const log = (line: string) => {
    if (!options.quiet) process.stderr.write(`[loadtest] ${line}\n`);
  };
  if (options.findMax) return runFindMax(options, log);
  if (options.scenario === 'compare') return runCompare(options, log);
  return { scenario: options.scenario, results: await runOne(options) };
}

async function runOne(options: LoadOptions): Promise<ScenarioResult[]> {
  switch (options.scenario) {
    case 'fanout':
      return [await withServer(options, options.server, runFanout)];
    case 'capacity':
      return [await withServer(options, options.server, runCapacity)];
    case 'rpc':
      if (options.server === 'socketio') throw new Error('rpc: the Socket.IO peer is only compared on fanout');
      return [await withServer(options, options.server, runRpc)];
    case 'http-publish':
      if (options.target === undefined && kindOf(options.server) !== 'switchboard') throw new Error('http-publish: only Switchboard has the HTTP publish API');
      return [await withServer(options, options.server, runHttpPublish)];
    case 'drain':
      return [await withServer(options, options.server, runDrain)];
    case 'compare':
      throw new Error('compare runs through runCompare');
    default: {
      const unknown: never = options.scenario;
      throw new Error(`unknown scenario ${String(unknown)}`);
    }
  }
}
