/**
 * Settings of the Redis engine: one interface, every field with its unit and default, one
 * resolver that rejects bad values naming the key (`redis.<field>`), as the server options do.
 */
import { OptionsError } from '../../../protocol/errors.js';

/** How a server reaches Redis (server option `redis`, env `SWITCHBOARD_REDIS_URL`, flag `--redis`). */
export interface RedisEngineOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://` for TLS. Required. */
  url: string;
  /** Prefix of every key and channel, so several deployments can share one Redis. @default 'sb' */
  keyPrefix: string;
  /** Redis 7 sharded pub/sub (SSUBSCRIBE/SPUBLISH): a topic's channel lives on its key's shard. @default false */
  sharded: boolean;
  /**
   * Longest a Redis command may take before it fails, in ms: a publish then answers 504
   * PUBLISH_OUTCOME_UNKNOWN (it was sent), and it is also the deadline of liveness PINGs. @default 2000
   */
  commandTimeoutMs: number;
  /**
   * How often each Redis connection is PINGed (the command connection only when idle), in ms. A
   * PING unanswered within `commandTimeoutMs` drops and reconnects the connection, so a silently
   * black-holed one is noticed within `pingIntervalMs + commandTimeoutMs`. @default 5000
   */
  pingIntervalMs: number;
  /** How long a topic's channel stays subscribed after its last local subscriber left, in ms. @default 2000 */
  lingerMs: number;
  /**
   * How long a topic's epoch and seq live in Redis after its last publication, in ms. Past it the
   * topic starts a new epoch (clients are told `recovered: false`). @default 604800000 (7 days)
   */
  streamMetaTtlMs: number;
  /** How long presence entries of a node that stopped refreshing them (it died) remain, in ms. @default 30000 */
  presenceTtlMs: number;
  /** How long a publish idempotency key is remembered, in ms. @default 300000 (5 min) */
  idempotencyWindowMs: number;
  /**
   * Most idempotency keys remembered per topic (the server option `maxIdempotencyKeys`); past it
   * the oldest are forgotten first, as in the memory engine, where the cap is for all topics
   * together. A topic's keys live in one hash in its slot, so a global count is not kept. @default 100000
   */
  maxIdempotencyKeys: number;
  /** Most publications read from a topic's stream to fill one gap in the live feed. @default 10000 */
  maxFillMessages: number;
}

/** Defaults for every field but `url`. */
export const REDIS_DEFAULTS: Readonly<Omit<RedisEngineOptions, 'url'>> = Object.freeze({
  keyPrefix: 'sb',
  sharded: false,
  commandTimeoutMs: 2000,
  pingIntervalMs: 5000,
  lingerMs: 2000,
  streamMetaTtlMs: 7 * 24 * 3600_000,
  presenceTtlMs: 30_000,
  idempotencyWindowMs: 5 * 60_000,
  maxIdempotencyKeys: 100_000,
  maxFillMessages: 10_000,
});

const POSITIVE_INTEGERS = ['commandTimeoutMs', 'pingIntervalMs', 'lingerMs', 'streamMetaTtlMs', 'presenceTtlMs', 'idempotencyWindowMs', 'maxIdempotencyKeys', 'maxFillMessages'] as const;

/**
 * Validates `redis` settings (from code, the config file, env or flags) and fills defaults.
 * @throws OptionsError naming `redis` or `redis.<field>`.
 */
export function resolveRedisOptions(input: unknown): RedisEngineOptions {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new OptionsError('redis', 'must be an object with at least a "url"');
  const known = new Set(['url', ...Object.keys(REDIS_DEFAULTS)]);
  for (const key of Object.keys(input)) {
    if (!known.has(key)) throw new OptionsError(`redis.${key}`, `is not a Redis option (known: ${[...known].join(', ')})`);
  }
  const defined = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
  const options = { ...REDIS_DEFAULTS, ...defined } as RedisEngineOptions;
  let url: URL | undefined;
  try {
    url = new URL(String(options.url));
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'redis:' && url.protocol !== 'rediss:')) {
    throw new OptionsError('redis.url', `must be a redis:// or rediss:// URL, got ${JSON.stringify(options.url)}`);
  }
  // The prefix goes inside `{...}` hash tags: a brace would break Cluster slot routing.
  if (typeof options.keyPrefix !== 'string' || options.keyPrefix === '' || /[{}]/.test(options.keyPrefix)) {
    throw new OptionsError('redis.keyPrefix', 'must be a non-empty string without { or }');
  }
  if (typeof options.sharded !== 'boolean') throw new OptionsError('redis.sharded', 'must be a boolean');
  for (const key of POSITIVE_INTEGERS) {
    const value = options[key];
    if (!Number.isSafeInteger(value) || value <= 0) throw new OptionsError(`redis.${key}`, `must be a positive integer, got ${String(value)}`);
  }
  return options;
}
