/**
 * Harness shim for the part of `k6/execution` the Switchboard scripts read: the VU id, the scenario
 * name and start time, and iteration numbers.
 */
import { requireIteration } from '../runtime.js';

const exec = {
  get vu() {
    const ctx = requireIteration('exec.vu');
    return { idInTest: ctx.vu, idInInstance: ctx.vu, iterationInInstance: ctx.iteration, iterationInScenario: ctx.iterationInScenario };
  },
  get scenario() {
    const ctx = requireIteration('exec.scenario');
    return {
      name: ctx.scenario.name,
      executor: ctx.scenario.executor,
      startTime: ctx.scenario.startTime,
      iterationInInstance: ctx.iterationInScenario,
      iterationInTest: ctx.iterationInScenario,
    };
  },
};

export default exec;
