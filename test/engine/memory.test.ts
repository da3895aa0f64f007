/** The in-memory engine against the engine conformance suite. */
import { MemoryEngine } from '../../src/server/engine/memory-engine.js';
import type { Engine } from '../../src/server/engine/engine.js';
import { runEngineConformance } from './engine.cases.js';

runEngineConformance({
  name: 'memory',
  newEngine: (options) => new MemoryEngine(options),
  retained: (engine: Engine) => (engine as MemoryEngine).history.topics,
});
