/**
 * Server options: one interface with every field documented (unit and default) and one DEFAULTS.
 * Reading them from the environment is env.ts, merging and checking them is resolve.ts/validate.ts.
 */
import type { Logger } from 'pino';
import { DEFAULT_MAX_TOPIC_BYTES } from '../../protocol/topic.js';
import type { WorkerRole } from '../runtime/worker-role.js';
import type { Engine } from '../engine/engine.js';
import type { RedisEngineOptions } from '../engine/redis/options.js';
import type { Hooks } from '../connection/hooks.js';
import type { Namespaces, NamespacesConfig } from '../namespaces/namespaces.js';
import type { PusherOptions } from '../fronts/pusher/apps.js';
import type { BackendOptions, ResolvedBackendOptions } from '../connection/backend-hooks/options.js';
import type { LogLevel } from '../log/logger.js';

export { LOG_LEVELS, type LogLevel } from '../log/logger.js';

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
   * the box (see runtime/worker-role.ts). Code only. @default undefined (a process on its own)
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

/**
 * Options after resolveOptions(): every field present and valid, the backend's defaults filled in,
 * `jwtPublicKey` always PEM text (never a path), and the namespace table built once from
 * `namespaces`, `presence` and `clientPublish`.
 */
export type ResolvedOptions = Readonly<
  Omit<ServerOptions, 'backend'> & {
    backend: ResolvedBackendOptions | undefined;
    /** The namespace table every layer shares (built from `namespaces` + the `presence`/`clientPublish` shorthands). */
    namespaceTable: Namespaces;
  }
>;

