/**
 * The `switchboard` command's three sources of options, merged: config file < environment <
 * flags (createServer then applies DEFAULTS under them and validates).
 */
import { mergeBackendOptions } from '../connection/backend-hooks/options.js';
import { mergeRedisSettings } from '../engine/redis/options.js';
import type { ServerOptions } from './options.js';

/**
 * Merges the file's, the environment's and the flags' options; whole values replace each other
 * except `backend`, merged key by key (SWITCHBOARD_BACKEND_SECRET must not drop the file's backend
 * URLs), and `redis`, whose location from env or flags keeps the file's other Redis settings
 * (keyPrefix, sharded, ...).
 */
export function mergeCommandSources(fromFile: Partial<ServerOptions>, fromEnv: Partial<ServerOptions>, fromFlags: Partial<ServerOptions>): Partial<ServerOptions> {
  const merged: Partial<ServerOptions> = { ...fromFile, ...fromEnv, ...fromFlags, backend: mergeBackendOptions(fromFile.backend, fromEnv.backend) };
  const redisLocation = fromFlags.redis ?? fromEnv.redis;
  if (redisLocation !== undefined && fromFile.redis !== undefined) merged.redis = mergeRedisSettings(fromFile.redis, redisLocation);
  return merged;
}
