/**
 * The two k6 executors the Switchboard scripts use, re-implemented small: `ramping-vus` (VU n
 * starts when the interpolated stage target reaches n and loops iterations until the stages end)
 * and `constant-arrival-rate` (an iteration starts on a fixed schedule whenever a VU is free, else
 * it is a dropped iteration). Both honour `startTime` and `gracefulStop`, after which unfinished
 * iterations are interrupted. Not modelled: gracefulRampDown when targets fall, VU reuse across
 * scenarios, and every other executor (refused with a message).
 */
import { parseDuration } from './durations.js';
import { addSample, IterationContext, runIteration, type ScenarioInfo } from './runtime.js';

/** The k6 scenario fields the harness reads. */
export interface ScenarioOptions {
  executor: string;
  exec?: string;
  startTime?: string;
  gracefulStop?: string;
  startVUs?: number;
  stages?: Array<{ duration: string; target: number }>;
  rate?: number;
  timeUnit?: string;
  duration?: string;
  preAllocatedVUs?: number;
  maxVUs?: number;
}

/** A fresh VU: its own instance of the script module (k6 gives each VU its own JS runtime). */
export type VuFactory = () => Promise<{ id: number; module: Record<string, unknown> }>;

/** Harness limits that keep a test run small whatever the script asks for. */
export interface ExecutorLimits {
  /** Most VUs one scenario may start. */
  maxVUs: number;
}

const sleepUntil = (at: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));

function exportedFunction(module: Record<string, unknown>, name: string): () => unknown {
  const fn = module[name];
  if (typeof fn !== 'function') throw new Error(`scenario exec "${name}" is not an exported function of the script`);
  return fn as () => unknown;
}

/** Runs one scenario to its end (including gracefulStop); resolves with the VUs it used. */
export async function runScenario(name: string, options: ScenarioOptions, newVu: VuFactory, limits: ExecutorLimits, testStart: number): Promise<number> {
  await sleepUntil(testStart + parseDuration(options.startTime));
  const info: ScenarioInfo = { name, executor: options.executor, startTime: Date.now(), iterations: 0 };
  const exec = options.exec ?? 'default';
  const gracefulStopMs = parseDuration(options.gracefulStop, 30_000);
  const inFlight = new Set<IterationContext>();
  let iterationsPerVu = new Map<number, number>();

  const iterate = async (vu: { id: number; module: Record<string, unknown> }): Promise<void> => {
    const local = iterationsPerVu.get(vu.id) ?? 0;
    iterationsPerVu.set(vu.id, local + 1);
    const ctx = new IterationContext(vu.id, local, info.iterations++, info);
    inFlight.add(ctx);
    await runIteration(ctx, exportedFunction(vu.module, exec));
    inFlight.delete(ctx);
    addSample('iterations', 'counter', 1);
    for (const err of ctx.errors) iterationErrors.push(`${name} VU ${vu.id}: ${err.message}`);
  };

  let runs: Promise<unknown>[];
  let endAt: number;
  let vusUsed: number;
  switch (options.executor) {
    case 'ramping-vus': {
      const stages = options.stages ?? [];
      const start = options.startVUs ?? 0;
      endAt = info.startTime + stages.reduce((sum, s) => sum + parseDuration(s.duration), 0);
      const targetAt = (t: number): number => {
        let from = start;
        let elapsed = t - info.startTime;
        for (const stage of stages) {
          const d = parseDuration(stage.duration);
          if (elapsed <= d) return d === 0 ? stage.target : from + ((stage.target - from) * elapsed) / d;
          elapsed -= d;
          from = stage.target;
        }
        return from;
      };
      vusUsed = Math.min(limits.maxVUs, Math.max(start, ...stages.map((s) => s.target)));
      runs = Array.from({ length: vusUsed }, async (_, index) => {
        const n = index + 1;
        while (Date.now() < endAt && targetAt(Date.now()) < n) await sleepUntil(Date.now() + 10);
        if (Date.now() >= endAt) return;
        const vu = await newVu();
        while (Date.now() < endAt && targetAt(Date.now()) >= n) {
          await iterate(vu);
          // An iteration with nothing pending finishes in microtasks; yield so sockets and timers run.
          await new Promise((resolve) => setImmediate(resolve));
        }
      });
      break;
    }
    case 'constant-arrival-rate': {
      const intervalMs = parseDuration(options.timeUnit, 1000) / (options.rate ?? 1);
      endAt = info.startTime + parseDuration(options.duration);
      const maxVus = Math.min(limits.maxVUs, options.maxVUs ?? options.preAllocatedVUs ?? 1);
      const idle: Array<{ id: number; module: Record<string, unknown> }> = [];
      for (let i = 0; i < Math.min(maxVus, options.preAllocatedVUs ?? 1); i++) idle.push(await newVu());
      vusUsed = idle.length;
      runs = [];
      for (let at = info.startTime; at < endAt; at += intervalMs) {
        await sleepUntil(at);
        let vu = idle.pop();
        if (vu === undefined && vusUsed < maxVus) {
          vusUsed++;
          vu = await newVu();
        }
        if (vu === undefined) {
          addSample('dropped_iterations', 'counter', 1);
          continue;
        }
        const free = vu;
        runs.push(iterate(free).then(() => idle.push(free)));
      }
      break;
    }
    default:
      throw new Error(`executor "${options.executor}" is not supported by the k6 harness (ramping-vus, constant-arrival-rate)`);
  }

  await sleepUntil(endAt);
  const stopped = Promise.all(runs);
  const timer = setTimeout(() => {
    for (const ctx of inFlight) {
      iterationErrors.push(`${name} VU ${ctx.vu}: interrupted after gracefulStop`);
      ctx.interrupt();
    }
  }, gracefulStopMs);
  await stopped;
  clearTimeout(timer);
  iterationsPerVu = new Map();
  return vusUsed;
}

/** Errors from iterations of the current run (thrown exceptions, interruptions). */
export const iterationErrors: string[] = [];
