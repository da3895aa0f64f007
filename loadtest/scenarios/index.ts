/** Scenario dispatch: every scenario is a function of a run context. */
import type { LoadOptions } from '../options.js';
import type { ScenarioResult } from '../result.js';
import { withServer } from '../session.js';
import { runFanout } from './fanout.js';

/** Runs the chosen scenario; `compare` returns one result per server, the others one. */
export async function runScenario(options: LoadOptions): Promise<ScenarioResult[]> {
  switch (options.scenario) {
    case 'fanout':
      return [await withServer(options, options.server, runFanout)];
    default:
      throw new Error(`scenario ${options.scenario} is not implemented yet`);
  }
}
