/**
 * Settings of the Redis engine: one interface, every field with its unit and default, one
 * resolver that rejects bad values naming the key (`redis.<field>`), as the server options do.
 */
import { OptionsError } from '../../../protocol/errors.js';

/** A Redis Sentinel's address. */
export interface SentinelAddress {
  host: string;
  port: number;
}

/**
 * How a server reaches Redis (server option `redis`, env `SWITCHBOARD_REDIS_URL` or
 * `SWITCHBOARD_REDIS_SENTINELS` + `SWITCHBOARD_REDIS_MASTER`, flag `--redis`). One of `url` or
 * `sentinels` + `name` is required.
 */
export interface RedisEngineOptions {
  /**
   * `redis://[user:password@]host:port[/db]`, `rediss://` for TLS, or
   * `redis+sentinel://[user:password@]host[:port][,host[:port]...]/<master name>[/db]` to find the
   * master through Redis Sentinel (port 26379 by default; the credentials are the master's).
   * @default undefined (then `sentinels` and `name` are required)
   */
  url: string | undefined;
  /**
   * Sentinels to ask for the current master, instead of a `url`; with `name`. Both connections go
   * to the master they name, and move to the new master after a failover. @default undefined
   */
  sentinels: SentinelAddress[] | undefined;
  /** Name of the master the sentinels monitor (with `sentinels`). @default undefined */
  name: string | undefined;
  /**
   * Replicas that must confirm a publication (`WAIT`) before it is acknowledged; 0 = no WAIT. A
   * publication confirmed by fewer within `waitTimeoutMs` answers 504 PUBLISH_OUTCOME_UNKNOWN: it
   * was made on the master but a failover may lose it. @default 0
   */
  waitReplicas: number;
  /** Longest a `WAIT` may take, in ms; less than `commandTimeoutMs`. @default 500 */
  waitTimeoutMs: number;
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

/** Fields that say where Redis is (every other field has a default). */
type Location = 'url' | 'sentinels' | 'name';
const LOCATION: readonly Location[] = ['url', 'sentinels', 'name'];

/** Defaults for every field but where Redis is. */
export const REDIS_DEFAULTS: Readonly<Omit<RedisEngineOptions, Location>> = Object.freeze({
  keyPrefix: 'sb',
  waitReplicas: 0,
  waitTimeoutMs: 500,
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

const POSITIVE_INTEGERS = ['waitTimeoutMs', 'commandTimeoutMs', 'pingIntervalMs', 'lingerMs', 'streamMetaTtlMs', 'presenceTtlMs', 'idempotencyWindowMs', 'maxIdempotencyKeys', 'maxFillMessages'] as const;

/** Where the connections go: one server, or the master the sentinels name. */
export type RedisTarget =
  | { kind: 'direct'; url: string }
  | { kind: 'sentinel'; sentinels: SentinelAddress[]; name: string; username: string | undefined; password: string | undefined; db: number };

const SENTINEL_SCHEME = 'redis+sentinel:';
const SENTINEL_PORT = 26379;
const SENTINEL_URL_FORM = 'redis+sentinel://[user:password@]host[:port][,host[:port]...]/<master name>[/db]';

/** Which redis:// URL or Sentinel deployment the (validated) options point at. @throws OptionsError */
export function redisTarget(options: Pick<RedisEngineOptions, Location>): RedisTarget {
  const { url, sentinels, name } = options;
  if (url !== undefined && (sentinels !== undefined || name !== undefined)) {
    throw new OptionsError(sentinels !== undefined ? 'redis.sentinels' : 'redis.name', 'give either redis.url or redis.sentinels with redis.name, not both');
  }
  if (url === undefined) {
    if (sentinels === undefined && name === undefined) throw new OptionsError('redis.url', 'is required (or redis.sentinels with redis.name)');
    if (sentinels === undefined) throw new OptionsError('redis.sentinels', 'is required with redis.name: an array of { host, port }');
    if (typeof name !== 'string' || name === '') throw new OptionsError('redis.name', 'must be the master name the sentinels monitor (a non-empty string)');
    return { kind: 'sentinel', sentinels: checkSentinels(sentinels), name, username: undefined, password: undefined, db: 0 };
  }
  if (typeof url !== 'string') throw new OptionsError('redis.url', `must be a string, got ${JSON.stringify(url)}`);
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0].toLowerCase();
  if (scheme === SENTINEL_SCHEME) return sentinelUrl(url);
  if (scheme === 'rediss+sentinel:') throw new OptionsError('redis.url', 'TLS through Sentinel (rediss+sentinel://) is not supported yet');
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')) {
    throw new OptionsError('redis.url', `must be a redis://, rediss:// or redis+sentinel:// URL, got ${JSON.stringify(url)}`);
  }
  return { kind: 'direct', url };
}

/** Where a node looks for Redis, for messages and logs: credentials left out. */
export function describeTarget(target: RedisTarget): string {
  if (target.kind === 'sentinel') return `master "${target.name}" through sentinels ${target.sentinels.map((s) => `${s.host}:${s.port}`).join(',')}`;
  const url = new URL(target.url);
  url.username = '';
  url.password = '';
  return url.toString().replace(/\/$/, '');
}

/** Parses `host[:port],host[:port]...` (port 26379 when left out; IPv6 in brackets). @throws OptionsError naming `key` */
export function parseSentinelList(text: string, key: string): SentinelAddress[] {
  const entries = text.split(',').map((entry) => entry.trim());
  if (text.trim() === '' || entries.some((entry) => entry === '')) throw new OptionsError(key, `must list sentinels as host[:port],host[:port]..., got ${JSON.stringify(text)}`);
  return entries.map((entry) => {
    const match = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d+))?$/.exec(entry);
    const port = match?.[3] === undefined ? SENTINEL_PORT : Number(match[3]);
    if (match === null || port < 1 || port > 65535) throw new OptionsError(key, `has a bad sentinel address ${JSON.stringify(entry)} (expected host[:port], port 1-65535)`);
    return { host: match[1] ?? match[2]!, port };
  });
}

function sentinelUrl(url: string): RedisTarget {
  const rest = url.slice(SENTINEL_SCHEME.length);
  if (!rest.startsWith('//')) throw new OptionsError('redis.url', `must look like ${SENTINEL_URL_FORM}`);
  if (/[?#]/.test(rest)) throw new OptionsError('redis.url', 'a redis+sentinel:// URL takes no query or fragment (set other options as redis.* keys)');
  const at = rest.lastIndexOf('@');
  const credentials = at === -1 ? undefined : rest.slice(2, at);
  const [hosts = '', name = '', db, ...extra] = (at === -1 ? rest.slice(2) : rest.slice(at + 1)).split('/');
  if (name === '') throw new OptionsError('redis.url', `needs the master name after the sentinels: ${SENTINEL_URL_FORM}`);
  if (extra.length > 0 || (db !== undefined && !/^\d+$/.test(db))) throw new OptionsError('redis.url', `may end in a database number only (/<master name>/<db>), got ${JSON.stringify(url.slice(url.indexOf(name)))}`);
  const decode = (text: string, what: string) => {
    try {
      return decodeURIComponent(text);
    } catch {
      throw new OptionsError('redis.url', `has a badly percent-encoded ${what}`);
    }
  };
  let username: string | undefined;
  let password: string | undefined;
  if (credentials !== undefined) {
    const colon = credentials.indexOf(':');
    username = colon === -1 ? credentials : credentials.slice(0, colon);
    password = colon === -1 ? undefined : decode(credentials.slice(colon + 1), 'password');
    username = username === '' ? undefined : decode(username, 'user name');
  }
  return { kind: 'sentinel', sentinels: parseSentinelList(hosts, 'redis.url'), name: decode(name, 'master name'), username, password, db: db === undefined ? 0 : Number(db) };
}

function checkSentinels(value: unknown): SentinelAddress[] {
  if (!Array.isArray(value) || value.length === 0) throw new OptionsError('redis.sentinels', 'must be a non-empty array of { host, port }');
  return value.map((entry: unknown, i) => {
    const { host, port } = (typeof entry === 'object' && entry !== null ? entry : {}) as Partial<SentinelAddress>;
    if (typeof host !== 'string' || host === '') throw new OptionsError(`redis.sentinels[${i}].host`, 'must be a non-empty string');
    const checkedPort = port ?? SENTINEL_PORT;
    if (!Number.isInteger(checkedPort) || checkedPort < 1 || checkedPort > 65535) throw new OptionsError(`redis.sentinels[${i}].port`, `must be an integer from 1 to 65535, got ${String(port)}`);
    return { host, port: checkedPort };
  });
}

/**
 * Merges `redis` settings from two sources, `higher` winning: where Redis is (`url`, or
 * `sentinels` + `name`) comes whole from `higher` when it says, so a URL from the environment
 * replaces a config file's sentinels instead of conflicting with them; other keys merge.
 */
export function mergeRedisSettings<T extends Partial<RedisEngineOptions>>(lower: T, higher: Partial<RedisEngineOptions>): T {
  const located = LOCATION.some((key) => higher[key] !== undefined);
  const base: Partial<RedisEngineOptions> = { ...lower };
  if (located) for (const key of LOCATION) delete base[key];
  return { ...base, ...higher } as T;
}

/**
 * Validates `redis` settings (from code, the config file, env or flags) and fills defaults.
 * @throws OptionsError naming `redis` or `redis.<field>`.
 */
export function resolveRedisOptions(input: unknown): RedisEngineOptions {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new OptionsError('redis', 'must be an object with a "url" (or "sentinels" and "name")');
  const known = new Set([...LOCATION, ...Object.keys(REDIS_DEFAULTS)]);
  for (const key of Object.keys(input)) {
    if (!known.has(key)) throw new OptionsError(`redis.${key}`, `is not a Redis option (known: ${[...known].join(', ')})`);
  }
  const defined = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
  const options = { url: undefined, sentinels: undefined, name: undefined, ...REDIS_DEFAULTS, ...defined } as RedisEngineOptions;
  redisTarget(options); // throws naming the bad location key
  // The prefix goes inside `{...}` hash tags: a brace would break Cluster slot routing.
  if (typeof options.keyPrefix !== 'string' || options.keyPrefix === '' || /[{}]/.test(options.keyPrefix)) {
    throw new OptionsError('redis.keyPrefix', 'must be a non-empty string without { or }');
  }
  if (typeof options.sharded !== 'boolean') throw new OptionsError('redis.sharded', 'must be a boolean');
  for (const key of POSITIVE_INTEGERS) {
    const value = options[key];
    if (!Number.isSafeInteger(value) || value <= 0) throw new OptionsError(`redis.${key}`, `must be a positive integer, got ${String(value)}`);
  }
  if (!Number.isSafeInteger(options.waitReplicas) || options.waitReplicas < 0) throw new OptionsError('redis.waitReplicas', `must be a non-negative integer (0 = no WAIT), got ${String(options.waitReplicas)}`);
  // A WAIT blocks the command connection: PINGs queued behind it must still meet their deadline.
  if (options.waitReplicas > 0 && options.waitTimeoutMs >= options.commandTimeoutMs) {
    throw new OptionsError('redis.waitTimeoutMs', `must be less than redis.commandTimeoutMs (${options.commandTimeoutMs}), got ${options.waitTimeoutMs}`);
  }
  return options;
}
