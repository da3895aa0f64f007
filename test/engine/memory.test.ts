/** The in-memory engine against the engine conformance suite. */
import { MemoryEngine } from '../../src/server/engine/memory-engine.js';
import { runEngineConformance } from './engine.cases.js';

runEngineConformance({ name: 'memory', newEngine: () => new MemoryEngine() });
