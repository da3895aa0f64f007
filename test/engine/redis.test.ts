/**
 * The Redis engine against the engine conformance suite (test/engine/engine.cases.ts, the same
 * cases the memory engine runs), on a private redis-server. Each engine gets its own key prefix,
 * so cases never see each other's topics.
 */
import { describe } from 'node:test';
import type { Engine } from '../../src/server/engine/engine.js';
import { RedisEngine } from '../../src/server/engine/redis/redis-engine.js';
import { redisMissing, startRedis } from '../helpers/redis.js';
import { runEngineConformance } from './engine.cases.js';

if (redisMissing !== undefined) {
  describe('engine conformance: redis', { skip: redisMissing }, () => {});
} else {
  const redis = await startRedis();
  let next = 0;
  // Keys of one engine: every key of a topic carries the hash tag `{<prefix>:<topic>}`.
  const retained = (engine: Engine) => redis.cli('--scan', '--pattern', `{${(engine as RedisEngine).options.keyPrefix}:*`).split('\n').filter((line) => line !== '').length;
  runEngineConformance({ name: 'redis', newEngine: (options) => new RedisEngine({ url: redis.url, keyPrefix: `c${next++}`, ...options }), retained });
}
