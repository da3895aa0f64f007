/**
 * The `workers` setting (`--workers`, env `SWITCHBOARD_WORKERS`, config key `workers`): how many
 * server processes the CLI runs on this machine, and what they need to run at all.
 */
import { availableParallelism } from 'node:os';
import { OptionsError } from '../../protocol/errors.js';

/** Most workers accepted: more processes than this on one box is a typo, not a plan. */
export const MAX_WORKERS = 1024;

/** `auto` (one per core: os.availableParallelism()) or an integer from 1 to 1024, from a flag, env or JSON. */
export function parseWorkers(value: unknown, key: string, cores: () => number = availableParallelism): number {
  if (value === 'auto') return cores();
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : undefined;
  if (text === undefined || !/^\d+$/.test(text) || Number(text) < 1 || Number(text) > MAX_WORKERS) {
    throw new OptionsError(key, `must be "auto" or an integer from 1 to ${MAX_WORKERS}, got ${JSON.stringify(value)}`);
  }
  return Number(text);
}

/**
 * Why these options cannot run as workers, or undefined when they can. Workers share topics,
 * history and presence only through Redis (with the in-memory engine each would be its own
 * island: a client moved to another worker would lose its positions), and they share one fixed
 * port (port 0 would give each its own).
 */
export function workersRefusal(options: { redis?: unknown; port?: number }): string | undefined {
  if (options.redis === undefined) {
    return '--workers needs the Redis engine (--redis <url>, SWITCHBOARD_REDIS_URL or "redis" in the config file): workers share topics, history and presence through it';
  }
  if (options.port === 0) return '--workers needs a fixed port (with port 0 every worker would get its own)';
  return undefined;
}
