/**
 * Runs an unmodified k6 script under Node with the harness's k6 shims: resolves `k6/...` imports to
 * ./modules (hooks.mjs), gives every VU its own instance of the script module, runs the scenarios
 * in `options.scenarios` with the executors in executors.ts, and evaluates `options.thresholds`.
 *
 * This proves the script's protocol logic against a real server. It does not prove k6 itself: see
 * ../README.md ("What the harness proves") for what differs.
 */
import { register } from 'node:module';
import { resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { iterationErrors, runScenario, type ScenarioOptions } from './executors.js';
import { checkResults } from './modules/k6.js';
import { installGlobals, metricRegistry } from './runtime.js';
import { evaluateThresholds, summarize, type MetricSummary, type ThresholdResult } from './thresholds.js';

/** How to run a script. */
export interface RunOptions {
  /** What the script sees as `__ENV`. @default {} */
  env?: Record<string, string>;
  /** Most VUs any one scenario may start, whatever the script asks. @default 10 */
  maxVUs?: number;
}

/** What a run produced, in the shape of k6's end-of-test summary. */
export interface RunResult {
  durationMs: number;
  /** VUs started, per scenario. */
  vus: Record<string, number>;
  metrics: Record<string, MetricSummary>;
  checks: Record<string, { passes: number; fails: number }>;
  thresholds: ThresholdResult[];
  /** Exceptions thrown by VU code and interrupted iterations; empty in a clean run. */
  errors: string[];
}

let hooksRegistered = false;
let runCount = 0;

/** Runs `scriptPath` to completion and returns its summary. One run at a time per process. */
export async function runK6Script(scriptPath: string, options: RunOptions = {}): Promise<RunResult> {
  if (!hooksRegistered) {
    register('./hooks.mjs', import.meta.url);
    hooksRegistered = true;
  }
  metricRegistry.clear();
  checkResults.clear();
  iterationErrors.length = 0;
  installGlobals({ ...(options.env ?? {}) });

  // A query string makes each VU a separate module instance, like k6's one runtime per VU.
  const run = ++runCount;
  const scriptUrl = pathToFileURL(resolvePath(scriptPath)).href;
  const init = (await import(`${scriptUrl}?run=${run}&vu=0`)) as { options?: { scenarios?: Record<string, ScenarioOptions>; thresholds?: Record<string, string[]> } };
  const scenarios = init.options?.scenarios;
  if (scenarios === undefined) throw new Error('the k6 harness needs options.scenarios in the script');

  let nextVu = 0;
  const newVu = async () => {
    const id = ++nextVu;
    return { id, module: (await import(`${scriptUrl}?run=${run}&vu=${id}`)) as Record<string, unknown> };
  };
  const started = Date.now();
  const used = await Promise.all(Object.entries(scenarios).map(([name, scenario]) => runScenario(name, scenario, newVu, { maxVUs: options.maxVUs ?? 10 }, started)));
  const durationMs = Date.now() - started;

  const metrics: Record<string, MetricSummary> = {};
  for (const [name, sink] of metricRegistry) metrics[name] = summarize(sink, durationMs / 1000);
  return {
    durationMs,
    vus: Object.fromEntries(Object.keys(scenarios).map((name, i) => [name, used[i]!])),
    metrics,
    checks: Object.fromEntries(checkResults),
    thresholds: evaluateThresholds(init.options?.thresholds, metricRegistry, durationMs / 1000),
    errors: [...iterationErrors],
  };
}
