/**
 * resolveOptions(): DEFAULTS < environment < explicit input, merged, then validated into the
 * ResolvedOptions every part of the server reads.
 */
import { mergeRedisSettings } from '../engine/redis/options.js';
import { mergeBackendOptions } from '../connection/backend-hooks/options.js';
import { optionsFromEnv } from './env.js';
import { DEFAULTS, type ResolvedOptions, type ServerOptions } from './options.js';
import { validateOptions } from './validate.js';

/**
 * Merges DEFAULTS < environment < explicit input and validates the result. Neither `input` nor
 * `env` is modified.
 * @throws OptionsError naming the first bad key.
 */
export function resolveOptions(input: Partial<ServerOptions> = {}, env: NodeJS.ProcessEnv = process.env): ResolvedOptions {
  const defined = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
  const fromEnv = optionsFromEnv(env);
  const options = { ...DEFAULTS, ...fromEnv, ...defined } as ServerOptions;
  // The env says only where Redis is: settings from code or a file (keyPrefix, ...) keep theirs.
  if (fromEnv.redis !== undefined && isObject(input.redis)) options.redis = mergeRedisSettings(fromEnv.redis, input.redis);
  // Key by key, so SWITCHBOARD_BACKEND_SECRET and a config file's backend URLs can work together.
  options.backend = mergeBackendOptions(fromEnv.backend, input.backend);
  return validateOptions(options);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
