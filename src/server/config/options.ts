/**
 * Server options: one interface with every field documented, one DEFAULTS, one resolveOptions()
 * that merges environment and explicit input and rejects bad values naming the key.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { OptionsError } from '../../protocol/errors.js';
import { DEFAULT_MAX_TOPIC_BYTES } from '../../protocol/topic.js';
import type { WorkerRole } from '../cluster/worker-role.js';
import type { Engine } from '../engine/engine.js';
import { mergeRedisSettings, parseSentinelList, resolveRedisOptions, type RedisEngineOptions } from '../engine/redis/options.js';
import type { Hooks } from '../connection/hooks.js';
import { addressList } from '../connection/client-address.js';
import { Namespaces, type NamespacesConfig } from '../namespaces/namespaces.js';
import { parsePublicKey, SUPPORTED_ALGORITHMS } from '../connection/token-verifier.js';
import { pusherFromEnv, validatePusherOptions, type PusherOptions } from '../fronts/pusher/apps.js';
import { backendFromEnv, mergeBackendOptions, resolveBackendOptions, type BackendOptions, type ResolvedBackendOptions } from '../connection/backend-hooks/options.js';

/** Log levels accepted by `logLevel` (pino's). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Everything configurable about a server. Library callers pass a partial; the CLI fills it from flags and env. */
export interface ServerOptions extends Hooks {
  /** TCP port; 0 picks a free one (see `listen()`'s result). Env `PORT`. @default 9001 */
  port: number;
  /** Interface to bind. Env `HOST`. @default '0.0.0.0' */
  host: string;
  /**
   * Key that backends send as `Authorization: Bearer <key>` to use the HTTP API. Without one, the
   * API answers loopback callers only. Env `SWITCHBOARD_API_KEY`. @default undefined
   */
  apiKey: string | undefined;
  /**
   * HS256 secret for connection JWTs (`?token=`, `switchboard.token.<jwt>` subprotocol or
   * `Authorization: Bearer`). Env `SWITCHBOARD_JWT_SECRET`. @default undefined (anonymous allowed
   * only when no `authenticate` hook is set either)
   */
  jwtSecret: string | undefined;
  /**
   * Public key for RS256/ES256 connection tokens: PEM text (SPKI key or X.509 certificate) or the
   * path of a PEM file. Env `SWITCHBOARD_JWT_PUBLIC_KEY`. @default undefined
   */
  jwtPublicKey: string | undefined;
  /**
   * URL of a JWKS (an identity provider's `/.well-known/jwks.json`) for RS256/ES256 tokens; keys
   * are cached 10 min, refetched at most every 30 s for an unknown `kid`. Env `SWITCHBOARD_JWKS_URL`.
   * @default undefined
   */
  jwksUrl: string | undefined;
  /**
   * Accepted JWT algorithms. `none` is never accepted. @default one per configured key: `HS256`
   * with jwtSecret; `RS256` or `ES256` (by key type) with jwtPublicKey; `RS256` and `ES256` with jwksUrl
   */
  jwtAlgorithms: string[] | undefined;
  /** Required `iss` claim of connection tokens. @default undefined (not checked) */
  jwtIssuer: string | undefined;
  /** Required `aud` claim of connection tokens. @default undefined (not checked) */
  jwtAudience: string | undefined;
  /** Milliseconds token verification plus the authenticate hook may take before the upgrade is refused (504). @default 5000 */
  authTimeoutMs: number;
  /**
   * The application's HTTP endpoints that decide connect, subscribe (namespace rule `'backend'`),
   * publish (rule `'backend'`) and RPC methods without a code handler: see docs/api.md "Backend
   * hooks". `connectUrl` cannot be combined with the `authenticate` hook. Env
   * `SWITCHBOARD_BACKEND_URL` (base of the four URLs) and `SWITCHBOARD_BACKEND_SECRET` (sent as
   * `X-Switchboard-Secret`). @default undefined (no backend hooks)
   */
  backend: BackendOptions | undefined;
  /**
   * Addresses or CIDR ranges of reverse proxies whose `X-Forwarded-For` is believed; the client
   * address it yields drives the per-address limits and the HTTP API loopback rule. Env
   * `SWITCHBOARD_TRUSTED_PROXIES`, comma-separated. @default [] (the TCP peer is the client)
   */
  trustedProxies: string[];
  /** Most open (and upgrading) WebSocket connections; more get 503. 0 = no cap. @default 10000 */
  maxConnections: number;
  /**
   * Most open (and upgrading) WebSocket connections per client address; more get 429. High enough
   * for an office or a mobile carrier behind one NAT address (each browser tab is a connection);
   * it stops one host from taking the whole server. 0 = no cap. @default 1000
   */
  maxConnectionsPerIp: number;
  /** Upgrade attempts per second, all clients (burst twice that); more get 503 + Retry-After. 0 = no limit. @default 500 */
  connectsPerSecond: number;
  /**
   * Client frames per second per connection (burst: twice that plus maxSubscriptions, so a client
   * can renew all its subscriptions at once after a reconnect); more close it with 4002. 0 = no limit. @default 100
   */
  messagesPerSecond: number;
  /** Inbound bytes per second per connection (burst twice that, at least maxPayloadBytes); more close it with 4002. 0 = no limit. @default 1048576 (1 MiB) */
  bytesPerSecond: number;
  /** HTTP API requests per second per API key (per client address without a key), burst twice that; more get 429. 0 = no limit. @default 50000 (a backend publishing a busy feed must not hit it; it stops runaway loops and leaked keys) */
  httpRequestsPerSecond: number;
  /**
   * Exact `Origin` values allowed to open a WebSocket; empty allows any. Requests without an Origin
   * header (non-browser clients) are not affected. Env `SWITCHBOARD_ALLOWED_ORIGINS`,
   * comma-separated. @default []
   */
  allowedOrigins: string[];
  /** Largest WebSocket message accepted, in bytes; larger ones close the socket with 1009. @default 65536 (64 KiB) */
  maxPayloadBytes: number;
  /** Most topics one connection may subscribe to. @default 1000 */
  maxSubscriptions: number;
  /** Longest topic name, in bytes. @default 256 */
  maxTopicBytes: number;
  /** Largest HTTP API request body, in bytes; larger ones get 413. @default 1048576 (1 MiB) */
  maxHttpBodyBytes: number;
  /**
   * Bytes buffered for one socket before it counts as a slow consumer and its topics'
   * `slowConsumer` policy applies (drop with a Gap notice, close with 4003, or conflate). uWS
   * itself stops queueing at twice this. @default 1048576 (1 MiB)
   */
  maxBackpressureBytes: number;
  /** How often every socket's buffer is checked against `maxBackpressureBytes`, in ms. @default 100 */
  slowConsumerCheckMs: number;
  /** Most publications replayed for one recovery (subscribe with a position, or History); a longer gap answers `recovered: false`. @default 1000 */
  maxReplayMessages: number;
  /** Memory budget of the in-memory history (all topics), in bytes; least recently published topics are evicted first. @default 67108864 (64 MiB) */
  historyMaxBytes: number;
  /** Seconds without traffic before a socket is closed (8–960); uWS pings idle sockets before that. @default 120 */
  idleTimeoutSeconds: number;
  /** Milliseconds an RPC handler may take before the caller gets TIMEOUT. @default 10000 (10 s) */
  rpcTimeoutMs: number;
  /** Milliseconds a publish idempotency key is remembered per topic (HTTP `idempotencyKey`). @default 300000 (5 min) */
  idempotencyWindowMs: number;
  /** Most idempotency keys remembered at once, all topics together; the oldest are forgotten first. @default 100000 */
  maxIdempotencyKeys: number;
  /**
   * Topic namespaces by prefix (longest wins; '' is the default namespace): who may subscribe and
   * publish, presence, history, slow-consumer policy. See docs/security.md and docs/protocol.md.
   * @default {} (plus the built-in `user:` namespace, subscribable only by its owner)
   */
  namespaces: NamespacesConfig;
  /** Shorthand for `namespaces[''].presence`: join/leave notices on topics of the default namespace. @default false */
  presence: boolean;
  /** Shorthand for `namespaces[''].publish = 'anyone'`: WebSocket clients may publish to default-namespace topics. @default false */
  clientPublish: boolean;
  /** Log level. Env `LOG_LEVEL`. @default 'warn' */
  logLevel: LogLevel;
  /** Use this pino logger instead of creating one. @default undefined */
  logger: Logger | undefined;
  /**
   * Where publications are sequenced, retained and delivered from (see engine/engine.ts).
   * @default a new MemoryEngine with `historyMaxBytes`, `idempotencyWindowMs` and `maxIdempotencyKeys`
   */
  engine: Engine | undefined;
  /**
   * Share topics, history, presence and idempotency with other Switchboard processes through Redis
   * (a RedisEngine; see docs/operations.md): `{ url, keyPrefix?, sharded?, commandTimeoutMs?, ... }`,
   * or `{ sentinels: [{ host, port }], name, ... }` through Redis Sentinel. Ignored when `engine` is
   * set. Env `SWITCHBOARD_REDIS_URL` (the url), or `SWITCHBOARD_REDIS_SENTINELS` (host:port,...)
   * with `SWITCHBOARD_REDIS_MASTER` (the name). @default undefined (in-memory engine)
   */
  redis: RedisSettings | undefined;
  /**
   * Graceful drain window, in ms (`server.drain()`, SIGTERM to the CLI, worker restarts): `/readyz`
   * answers 503 at once, the listener closes after the first quarter, and the sockets are closed
   * with 1012 evenly over the remaining three quarters. 0 closes everything at once. Keep it under
   * your orchestrator's stop timeout. Flag `--drain-ms`. @default 2000 (ms)
   */
  drainMs: number;
  /**
   * Set by `switchboard --workers` in each worker process: the worker's id and how it answers for
   * the box (see cluster/worker-role.ts). Code only. @default undefined (a process on its own)
   */
  worker: WorkerRole | undefined;
  /**
   * Pusher protocol apps: pusher-js, Laravel Echo and the Pusher server SDKs connect with these
   * credentials (`/app/:key` WebSocket, `/apps/:id/...` HTTP API; see docs/pusher.md). Env
   * `SWITCHBOARD_PUSHER_APP_ID`, `SWITCHBOARD_PUSHER_KEY`, `SWITCHBOARD_PUSHER_SECRET` (one app;
   * `SWITCHBOARD_PUSHER_CLIENT_EVENTS=true` enables its client events). @default undefined (off:
   * no Pusher route is registered)
   */
  pusher: PusherOptions | undefined;
}

/**
 * The `redis` option: a URL (or sentinels and a master name) plus any RedisEngineOptions (see
 * engine/redis/options.ts for defaults).
 */
export type RedisSettings = Partial<RedisEngineOptions>;

/** Defaults for every option that has one. */
export const DEFAULTS: Readonly<Omit<ServerOptions, keyof Hooks>> = Object.freeze({
  port: 9001,
  host: '0.0.0.0',
  apiKey: undefined,
  jwtSecret: undefined,
  jwtPublicKey: undefined,
  jwksUrl: undefined,
  jwtAlgorithms: undefined,
  jwtIssuer: undefined,
  jwtAudience: undefined,
  authTimeoutMs: 5000,
  backend: undefined,
  trustedProxies: [],
  maxConnections: 10_000,
  maxConnectionsPerIp: 1000,
  connectsPerSecond: 500,
  messagesPerSecond: 100,
  bytesPerSecond: 1024 * 1024,
  httpRequestsPerSecond: 50_000,
  allowedOrigins: [],
  namespaces: {},
  maxPayloadBytes: 64 * 1024,
  maxSubscriptions: 1000,
  maxTopicBytes: DEFAULT_MAX_TOPIC_BYTES,
  maxHttpBodyBytes: 1024 * 1024,
  maxBackpressureBytes: 1024 * 1024,
  slowConsumerCheckMs: 100,
  maxReplayMessages: 1000,
  historyMaxBytes: 64 * 1024 * 1024,
  idleTimeoutSeconds: 120,
  rpcTimeoutMs: 10_000,
  idempotencyWindowMs: 5 * 60_000,
  maxIdempotencyKeys: 100_000,
  presence: false,
  clientPublish: false,
  logLevel: 'warn',
  logger: undefined,
  engine: undefined,
  redis: undefined,
  drainMs: 2000,
  worker: undefined,
  pusher: undefined,
});

/** Options after merging: every field present and valid (the backend's defaults filled in). */
export type ResolvedOptions = Readonly<Omit<ServerOptions, 'backend'> & { backend: ResolvedBackendOptions | undefined }>;

const INTEGER_KEYS = [
  'maxPayloadBytes',
  'maxSubscriptions',
  'maxTopicBytes',
  'maxHttpBodyBytes',
  'maxBackpressureBytes',
  'slowConsumerCheckMs',
  'maxReplayMessages',
  'historyMaxBytes',
  'idleTimeoutSeconds',
  'rpcTimeoutMs',
  'idempotencyWindowMs',
  'maxIdempotencyKeys',
  'authTimeoutMs',
] as const;

/** Limits where 0 switches the limit off. */
const OPTIONAL_LIMIT_KEYS = ['maxConnections', 'maxConnectionsPerIp', 'connectsPerSecond', 'messagesPerSecond', 'bytesPerSecond', 'httpRequestsPerSecond'] as const;

const HOOK_KEYS = ['authenticate', 'onOpen', 'onMessage', 'onClose', 'onError'] as const;

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

/**
 * Merges DEFAULTS < environment < explicit input and validates the result.
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

  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new OptionsError('port', `must be an integer from 0 to 65535, got ${String(options.port)}`);
  }
  if (typeof options.host !== 'string' || options.host === '') throw new OptionsError('host', 'must be a non-empty string');
  for (const key of INTEGER_KEYS) {
    const value = options[key];
    if (!Number.isSafeInteger(value) || value <= 0) throw new OptionsError(key, `must be a positive integer, got ${String(value)}`);
  }
  if (!Number.isSafeInteger(options.drainMs) || options.drainMs < 0) throw new OptionsError('drainMs', `must be a non-negative integer (ms), got ${String(options.drainMs)}`);
  // uWS aborts the process for idle timeouts over 960 s.
  if (options.idleTimeoutSeconds > 960) throw new OptionsError('idleTimeoutSeconds', `must be at most 960, got ${options.idleTimeoutSeconds}`);
  for (const key of ['apiKey', 'jwtSecret'] as const) {
    const value = options[key];
    if (value !== undefined && (typeof value !== 'string' || value === '')) throw new OptionsError(key, 'must be a non-empty string');
  }
  if (options.jwtSecret !== undefined && options.jwtSecret.length < 16) {
    throw new OptionsError('jwtSecret', 'must be at least 16 characters (HS256 needs a strong shared secret)');
  }
  for (const key of OPTIONAL_LIMIT_KEYS) {
    const value = options[key];
    if (!Number.isSafeInteger(value) || value < 0) throw new OptionsError(key, `must be a non-negative integer (0 = no limit), got ${String(value)}`);
  }
  validateTokenKeys(options);
  if (!Array.isArray(options.trustedProxies) || options.trustedProxies.some((entry) => typeof entry !== 'string')) {
    throw new OptionsError('trustedProxies', 'must be an array of IP addresses or CIDR ranges');
  }
  addressList(options.trustedProxies, 'trustedProxies'); // throws naming a bad entry
  if (!Array.isArray(options.allowedOrigins) || options.allowedOrigins.some((origin) => typeof origin !== 'string')) {
    throw new OptionsError('allowedOrigins', 'must be an array of origin strings');
  }
  if (!LOG_LEVELS.includes(options.logLevel)) {
    throw new OptionsError('logLevel', `must be one of ${LOG_LEVELS.join(', ')}, got "${String(options.logLevel)}"`);
  }
  for (const key of ['presence', 'clientPublish'] as const) {
    if (typeof options[key] !== 'boolean') throw new OptionsError(key, 'must be a boolean');
  }
  if (typeof options.namespaces !== 'object' || options.namespaces === null || Array.isArray(options.namespaces)) {
    throw new OptionsError('namespaces', 'must be an object of prefix → namespace settings');
  }
  buildNamespaces(options); // throws OptionsError naming the bad namespace setting
  if (options.redis !== undefined) resolveRedisOptions(options.redis); // throws naming the bad redis.* key
  if (options.pusher !== undefined) validatePusherOptions(options.pusher); // throws naming the bad pusher.* key
  for (const key of HOOK_KEYS) {
    if (options[key] !== undefined && typeof options[key] !== 'function') throw new OptionsError(key, 'must be a function');
  }
  if (options.rpc !== undefined) {
    if (typeof options.rpc !== 'object' || options.rpc === null) throw new OptionsError('rpc', 'must be an object of handlers');
    for (const [method, handler] of Object.entries(options.rpc)) {
      if (typeof handler !== 'function') throw new OptionsError(`rpc.${method}`, 'must be a function');
    }
  }
  const backend = resolveBackendOptions(options.backend);
  validateBackendUse(options, backend);
  return Object.freeze({ ...options, backend });
}

/**
 * The backend hooks against the rest of the configuration: one authentication decision (hook or
 * connectUrl, never both: which one would win is not obvious), and a URL for every namespace rule
 * that asks the backend (else every such subscribe or publish would be denied without a word).
 */
function validateBackendUse(options: ServerOptions, backend: ResolvedBackendOptions | undefined): void {
  if (backend?.connectUrl !== undefined && options.authenticate !== undefined) {
    throw new OptionsError('backend.connectUrl', 'cannot be combined with the authenticate hook: choose one (call your backend from the hook, or drop the hook)');
  }
  for (const namespace of buildNamespaces(options).all()) {
    const key = `namespaces["${namespace.prefix}"]`;
    if (namespace.subscribe === 'backend' && backend?.subscribeUrl === undefined) throw new OptionsError(`${key}.subscribe`, `'backend' needs backend.subscribeUrl`);
    if (namespace.publish === 'backend' && backend?.publishUrl === undefined) throw new OptionsError(`${key}.publish`, `'backend' needs backend.publishUrl`);
  }
}

/**
 * Checks the JWT settings: a readable public key (a file path is replaced by the PEM it holds), an
 * http(s) JWKS URL, and an algorithm allowlist whose every entry has a key of its family.
 */
function validateTokenKeys(options: ServerOptions): void {
  for (const key of ['jwtPublicKey', 'jwksUrl', 'jwtIssuer', 'jwtAudience'] as const) {
    const value = options[key];
    if (value !== undefined && (typeof value !== 'string' || value === '')) throw new OptionsError(key, 'must be a non-empty string');
  }
  if (options.jwtPublicKey !== undefined) {
    if (!options.jwtPublicKey.includes('-----BEGIN')) {
      try {
        options.jwtPublicKey = readFileSync(options.jwtPublicKey, 'utf8');
      } catch (err) {
        throw new OptionsError('jwtPublicKey', `is neither PEM text nor a readable PEM file (${(err as Error).message})`);
      }
    }
    parsePublicKey(options.jwtPublicKey);
  }
  if (options.jwksUrl !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(options.jwksUrl);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) throw new OptionsError('jwksUrl', `must be an http(s) URL, got "${options.jwksUrl}"`);
  }
  const algorithms = options.jwtAlgorithms;
  if (algorithms === undefined) return;
  if (!Array.isArray(algorithms) || algorithms.length === 0) throw new OptionsError('jwtAlgorithms', 'must be a non-empty array of algorithm names');
  for (const alg of algorithms) {
    if (typeof alg === 'string' && alg.toLowerCase() === 'none') throw new OptionsError('jwtAlgorithms', '"none" (unsigned tokens) is never accepted');
    if (!(SUPPORTED_ALGORITHMS as readonly unknown[]).includes(alg)) {
      throw new OptionsError('jwtAlgorithms', `unsupported algorithm ${JSON.stringify(alg)} (supported: ${SUPPORTED_ALGORITHMS.join(', ')})`);
    }
    if (alg.startsWith('HS') && options.jwtSecret === undefined) throw new OptionsError('jwtAlgorithms', `${alg} needs jwtSecret`);
    if (!alg.startsWith('HS') && options.jwtPublicKey === undefined && options.jwksUrl === undefined) {
      throw new OptionsError('jwtAlgorithms', `${alg} needs jwtPublicKey or jwksUrl`);
    }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The namespace table for resolved options (the flat presence/clientPublish shorthands feed the default namespace). */
export function buildNamespaces(options: Pick<ServerOptions, 'namespaces' | 'presence' | 'clientPublish'>): Namespaces {
  return new Namespaces(options.namespaces, {
    ...(options.presence ? { presence: true } : {}),
    ...(options.clientPublish ? { publish: 'anyone' as const } : {}),
  });
}
