/**
 * Options from environment variables (the settings table in settings.ts lists them), plus the two
 * text parsers flags and variables share: integers and comma-separated lists.
 */
import { OptionsError } from '../../protocol/errors.js';
import { parseSentinelList } from '../engine/redis/options.js';
import { pusherFromEnv } from '../fronts/pusher/apps.js';
import { backendFromEnv } from '../connection/backend-hooks/options.js';
import type { LogLevel } from '../log/logger.js';
import type { RedisSettings, ServerOptions } from './options.js';

/** Options read from the environment (see the README's configuration table). */
export function optionsFromEnv(env: NodeJS.ProcessEnv): Partial<ServerOptions> {
  const out: Partial<ServerOptions> = {};
  if (env.PORT !== undefined && env.PORT !== '') out.port = parseIntOption('PORT', env.PORT);
  if (env.HOST) out.host = env.HOST;
  if (env.SWITCHBOARD_API_KEY) out.apiKey = env.SWITCHBOARD_API_KEY;
  if (env.SWITCHBOARD_JWT_SECRET) out.jwtSecret = env.SWITCHBOARD_JWT_SECRET;
  if (env.SWITCHBOARD_JWT_PUBLIC_KEY) out.jwtPublicKey = env.SWITCHBOARD_JWT_PUBLIC_KEY;
  if (env.SWITCHBOARD_JWKS_URL) out.jwksUrl = env.SWITCHBOARD_JWKS_URL;
  if (env.SWITCHBOARD_TRUSTED_PROXIES) out.trustedProxies = splitList(env.SWITCHBOARD_TRUSTED_PROXIES);
  if (env.SWITCHBOARD_ALLOWED_ORIGINS) out.allowedOrigins = splitList(env.SWITCHBOARD_ALLOWED_ORIGINS);
  if (env.LOG_LEVEL) out.logLevel = env.LOG_LEVEL as LogLevel;
  const redis = redisFromEnv(env);
  if (redis !== undefined) out.redis = redis;
  const backend = backendFromEnv(env);
  if (backend !== undefined) out.backend = backend;
  const pusher = pusherFromEnv(env);
  if (pusher !== undefined) out.pusher = pusher;
  return out;
}

/** Where Redis is, from the environment: a URL, or sentinels and the master's name. */
function redisFromEnv(env: NodeJS.ProcessEnv): RedisSettings | undefined {
  const { SWITCHBOARD_REDIS_URL: url, SWITCHBOARD_REDIS_SENTINELS: sentinels, SWITCHBOARD_REDIS_MASTER: name } = env;
  if (sentinels || name) {
    if (url) throw new OptionsError('SWITCHBOARD_REDIS_SENTINELS', 'set either SWITCHBOARD_REDIS_URL or SWITCHBOARD_REDIS_SENTINELS with SWITCHBOARD_REDIS_MASTER, not both');
    if (!sentinels) throw new OptionsError('SWITCHBOARD_REDIS_SENTINELS', 'is required with SWITCHBOARD_REDIS_MASTER (host:port,host:port,...)');
    if (!name) throw new OptionsError('SWITCHBOARD_REDIS_MASTER', 'is required with SWITCHBOARD_REDIS_SENTINELS (the master name the sentinels monitor)');
    return { sentinels: parseSentinelList(sentinels, 'SWITCHBOARD_REDIS_SENTINELS'), name };
  }
  return url ? { url } : undefined;
}

/** Parses a decimal integer option, naming the key when it is not one. */
export function parseIntOption(key: string, text: string): number {
  if (!/^\d+$/.test(text.trim())) throw new OptionsError(key, `expected a non-negative integer, got "${text}"`);
  return Number(text.trim());
}

/** Splits a comma-separated list, dropping empty entries. */
export function splitList(text: string): string[] {
  return text.split(',').map((item) => item.trim()).filter((item) => item !== '');
}
