/**
 * The settings table: every option, flag and environment variable in one list, with its default
 * taken from DEFAULTS. `switchboard --help` and the CLI's flag parser are generated from it, and
 * test/docs/settings.test.ts holds the README and docs/api.md tables equal to it.
 */
import { DEFAULTS } from './options.js';

/** How the CLI turns a flag's text into its option. */
export type FlagParse = 'string' | 'int' | 'list' | 'boolean' | 'redis-url';

/** One environment variable of a setting. */
export interface EnvVariable {
  /** The variable, e.g. `SWITCHBOARD_REDIS_URL`. */
  name: string;
  /** What it sets, when not the setting's whole key (e.g. `redis.url`). */
  sets?: string;
  /** Format and effect, for docs/api.md §4.1 (Markdown). */
  note?: string;
}

/** One row of the settings table. */
export interface Setting {
  /**
   * The ServerOptions key (also the config-file key); for settings of the command itself,
   * `config` or `workers`; undefined for process-wide variables (uWS build, GC).
   */
  key?: string;
  /** TypeScript type of the option, for docs/api.md. */
  type?: string;
  /** Long flag, e.g. `--port`. */
  flag?: string;
  /** Short flag, e.g. `-p`. */
  short?: string;
  /** Flag argument placeholder, e.g. `<n>` (none for boolean flags). */
  arg?: string;
  /** How the CLI parses the flag into the option (flags of the command itself have none). */
  parse?: FlagParse;
  /** Environment variables read for this setting. */
  env?: readonly EnvVariable[];
  /**
   * The default as text, only where DEFAULTS cannot say it: the option has no default value
   * (undefined: what happens without it), or the setting is not an option.
   */
  defaultText?: string;
  /** Unit of a numeric default, for the readable form beside the number. */
  unit?: 'bytes' | 'ms';
  /** One line of meaning: `--help` and the README (plain text, no Markdown links). */
  summary: string;
  /** The meaning in docs/api.md (Markdown, links relative to docs/); the summary when absent. */
  detail?: string;
  /** Listed in the README table although it has no flag or variable (operators set it in the config file). */
  readme?: boolean;
  /** Only code can set it (an object or a function): not a config-file key. */
  codeOnly?: boolean;
  /** Extra lines under the flag in `--help`. */
  helpLines?: readonly string[];
}

/** Every setting, in the order of `--help` and the docs tables. */
export const SETTINGS: readonly Setting[] = [
  {
    key: 'config',
    flag: '--config',
    arg: '<file>',
    defaultText: './switchboard.config.json when it exists',
    summary: 'JSON file of server options (namespaces, limits, keys, ...)',
  },
  {
    key: 'port',
    type: 'number',
    short: '-p',
    flag: '--port',
    arg: '<n>',
    parse: 'int',
    env: [{ name: 'PORT', note: 'decimal integer' }],
    summary: 'port to listen on (0 = any free port)',
    detail: "TCP port; `0` picks a free one (see `listen()`'s result)",
  },
  { key: 'host', type: 'string', flag: '--host', arg: '<addr>', parse: 'string', env: [{ name: 'HOST' }], summary: 'interface to bind' },
  {
    key: 'apiKey',
    type: 'string | undefined',
    flag: '--api-key',
    arg: '<key>',
    parse: 'string',
    env: [{ name: 'SWITCHBOARD_API_KEY' }],
    defaultText: 'none',
    summary: 'HTTP API bearer key; without one the API is loopback-only',
    detail: 'bearer key for the HTTP API; without one the API answers loopback callers only (§3.1)',
  },
  {
    key: 'jwtSecret',
    type: 'string | undefined',
    flag: '--jwt-secret',
    arg: '<secret>',
    parse: 'string',
    env: [{ name: 'SWITCHBOARD_JWT_SECRET', note: 'at least 16 characters' }],
    defaultText: 'none',
    summary: 'HS256 secret for connection tokens; without one (and no authenticate hook) connections are anonymous',
    detail: 'HS256 secret for connection JWTs; at least 16 characters. Without it (and without `authenticate`) connections are anonymous',
  },
  {
    key: 'jwtPublicKey',
    type: 'string | undefined',
    flag: '--jwt-public-key',
    arg: '<pem|file>',
    parse: 'string',
    env: [{ name: 'SWITCHBOARD_JWT_PUBLIC_KEY', note: 'PEM text or file path' }],
    defaultText: 'none',
    summary: 'RS256/ES256 public key for connection tokens (PEM text or file)',
    detail: 'RS256/ES256 public key: PEM text or a PEM file path',
  },
  {
    key: 'jwksUrl',
    type: 'string | undefined',
    flag: '--jwks-url',
    arg: '<url>',
    parse: 'string',
    env: [{ name: 'SWITCHBOARD_JWKS_URL' }],
    defaultText: 'none',
    summary: 'JWKS URL of your identity provider, for RS256/ES256 tokens (keys cached)',
    detail: 'JWKS URL for RS256/ES256 tokens (cached 10 min)',
  },
  {
    key: 'jwtAlgorithms',
    type: 'string[] | undefined',
    defaultText: 'one per configured key',
    summary: 'accepted JWT algorithms; none is refused',
    detail: 'accepted JWT algorithms; `none` is refused',
  },
  { key: 'jwtIssuer', type: 'string | undefined', defaultText: 'not checked', summary: 'required iss claim of connection tokens', detail: 'required `iss` claim of connection tokens' },
  { key: 'jwtAudience', type: 'string | undefined', defaultText: 'not checked', summary: 'required aud claim of connection tokens', detail: 'required `aud` claim of connection tokens' },
  {
    key: 'authTimeoutMs',
    type: 'number',
    unit: 'ms',
    summary: 'token verification plus the authenticate hook longer than this: upgrade refused with 504',
    detail: 'token verification plus `authenticate` longer than this → upgrade refused with 504',
  },
  {
    key: 'backend',
    type: 'BackendOptions | undefined',
    env: [
      { name: 'SWITCHBOARD_BACKEND_URL', sets: 'backend.connectUrl, .subscribeUrl, .publishUrl, .rpcUrl', note: 'base URL; `/connect`, `/subscribe`, `/publish`, `/rpc` appended (§1.8)' },
      { name: 'SWITCHBOARD_BACKEND_SECRET', sets: 'backend.headers', note: 'sent as `X-Switchboard-Secret` with every hook call' },
    ],
    defaultText: 'none',
    summary: 'your backend hooks: base URL (/connect, /subscribe, /publish, /rpc) and the secret sent as X-Switchboard-Secret',
    detail: "the application's HTTP endpoints deciding connect, subscribe, publish and RPC (§1.8)",
  },
  {
    key: 'trustedProxies',
    type: 'string[]',
    flag: '--trusted-proxies',
    arg: '<list>',
    parse: 'list',
    env: [{ name: 'SWITCHBOARD_TRUSTED_PROXIES', note: 'comma-separated' }],
    summary: 'proxies (addresses or CIDR ranges) whose X-Forwarded-For is believed',
    detail: 'proxy addresses/CIDRs whose `X-Forwarded-For` is believed',
  },
  {
    key: 'allowedOrigins',
    type: 'string[]',
    flag: '--allowed-origins',
    arg: '<list>',
    parse: 'list',
    env: [{ name: 'SWITCHBOARD_ALLOWED_ORIGINS', note: 'comma-separated, entries trimmed, empty entries dropped' }],
    defaultText: '[] (any)',
    summary: 'comma-separated Origin allowlist for WebSocket upgrades (empty: any)',
    detail: 'exact `Origin` values allowed to open a WebSocket; requests without an `Origin` header are not affected',
  },
  {
    key: 'maxConnections',
    type: 'number',
    readme: true,
    summary: 'open + upgrading connections in total; more get 503 (0 = no cap)',
    detail: 'open + upgrading connections; more → 503. `0` = no cap',
  },
  {
    key: 'maxConnectionsPerIp',
    type: 'number',
    readme: true,
    summary: 'connections per client address; more get 429 (0 = no cap). Behind a proxy or a NAT every user shares one address: list the proxy in trustedProxies or raise this',
    detail: 'per client address; more → 429. High enough for an office or a carrier NAT (every tab is a connection). `0` = no cap',
  },
  {
    key: 'connectsPerSecond',
    type: 'number',
    summary: 'upgrade attempts per second (burst twice that); more get 503 + Retry-After (0 = no limit)',
    detail: 'upgrade attempts per second (burst ×2); more → 503 + `Retry-After`. `0` = no limit',
  },
  {
    key: 'messagesPerSecond',
    type: 'number',
    summary: 'client frames per second per connection; more close it with 4002 (0 = no limit)',
    detail: 'client frames per second per connection (burst: ×2 plus `maxSubscriptions`, room for a full resubscribe); more → close 4002. `0` = no limit',
  },
  {
    key: 'bytesPerSecond',
    type: 'number',
    unit: 'bytes',
    summary: 'inbound bytes per second per connection; more close it with 4002 (0 = no limit)',
    detail: 'inbound bytes per second per connection (burst ×2, at least `maxPayloadBytes`); more → close 4002. `0` = no limit',
  },
  {
    key: 'httpRequestsPerSecond',
    type: 'number',
    summary: 'HTTP API requests per second per key (per address without a key); more get 429 (0 = no limit)',
    detail: 'HTTP API requests per second per key (per client address without a key), burst ×2; more → 429 + `Retry-After`. `0` = no limit',
  },
  {
    key: 'maxPayloadBytes',
    type: 'number',
    flag: '--max-payload',
    arg: '<bytes>',
    parse: 'int',
    unit: 'bytes',
    summary: 'largest WebSocket message (larger closes with 1009)',
    detail: 'largest WebSocket message accepted; larger closes with 1009, more than 4× larger is dropped by uWS (1006)',
  },
  { key: 'maxSubscriptions', type: 'number', summary: 'most topics one connection may be subscribed to' },
  { key: 'maxTopicBytes', type: 'number', summary: 'longest topic name in bytes' },
  {
    key: 'maxHttpBodyBytes',
    type: 'number',
    unit: 'bytes',
    summary: 'largest HTTP API request body; larger gets 413',
    detail: 'largest HTTP API request body; larger gets 413 (the Pusher API reads at most 256 KiB, docs/pusher.md)',
  },
  {
    key: 'maxBackpressureBytes',
    type: 'number',
    unit: 'bytes',
    summary: "bytes buffered for one socket before it is a slow consumer and its namespace's slowConsumer policy applies",
    detail:
      "bytes buffered for one socket before it is a slow consumer and its namespaces' `slowConsumer` policy applies ([protocol.md §5.5](protocol.md#55-slow-consumers)); uWS itself stops queueing at twice this",
  },
  {
    key: 'slowConsumerCheckMs',
    type: 'number',
    unit: 'ms',
    summary: "how often every socket's buffer is compared with maxBackpressureBytes",
    detail: "how often every socket's buffer is compared with `maxBackpressureBytes` (stalled readers raise no event)",
  },
  { key: 'maxReplayMessages', type: 'number', summary: 'most publications one recovery replays; a longer gap answers recovered: false', detail: 'most publications one recovery replays; a longer gap answers `recovered: false`' },
  {
    key: 'historyMaxBytes',
    type: 'number',
    unit: 'bytes',
    summary: 'memory budget of the in-memory history, all topics together',
    detail: 'memory budget of the default in-memory history, all topics together; least recently published topics are forgotten first',
  },
  {
    key: 'idleTimeoutSeconds',
    type: 'number',
    summary: 'seconds without inbound traffic before a socket is dropped (8-960)',
    detail:
      "seconds without inbound traffic before a socket is dropped; uWS pings idle sockets before that. Rounded up to a multiple of 4, minimum 8; at most 960 (uWS's limit; larger values are refused with `OptionsError`)",
  },
  {
    key: 'rpcTimeoutMs',
    type: 'number',
    unit: 'ms',
    summary: 'time an RPC handler may take before the caller gets TIMEOUT',
    detail: 'time an async RPC or `onMessage` handler may take before the caller gets `TIMEOUT` (106)',
  },
  {
    key: 'idempotencyWindowMs',
    type: 'number',
    unit: 'ms',
    summary: 'how long a publish idempotency key is remembered per topic',
    detail: 'how long a publish idempotency key is remembered per topic after its first use (§3.3)',
  },
  {
    key: 'maxIdempotencyKeys',
    type: 'number',
    summary: 'most idempotency keys remembered at once; the oldest are forgotten first',
    detail: 'most idempotency keys remembered at once: all topics together with the in-memory engine, per topic with Redis (docs/operations.md §2); the oldest are forgotten first',
  },
  {
    key: 'namespaces',
    type: 'NamespacesConfig',
    defaultText: '{} (+ built-in user: = owner, private- / presence- = token)',
    summary: 'prefix → topic policy: who may subscribe and publish, presence, history, slow consumers, latest value on subscribe',
    detail:
      'prefix → policy: `subscribe` (`anyone`/`authenticated`/`claim`/`token`/`owner`/`backend`), `publish` (`nobody`/`authenticated`/`anyone`/`backend`), presence, history, slow consumers, `latest` (below; [security.md §4](security.md#4-topic-permissions))',
  },
  {
    key: 'presence',
    type: 'boolean',
    flag: '--presence',
    parse: 'boolean',
    summary: 'presence (join/leave notices, presence queries) on default-namespace topics',
    detail:
      'presence for the default namespace (shorthand for `namespaces[\'\'].presence`): Join/Leave frames and presence queries, counted by user ([protocol.md §3.4](protocol.md#34-server--client-frames))',
  },
  {
    key: 'clientPublish',
    type: 'boolean',
    flag: '--client-publish',
    parse: 'boolean',
    summary: 'let WebSocket clients publish to default-namespace topics',
    detail: 'let WebSocket clients publish (otherwise only the server and the HTTP API can)',
  },
  {
    key: 'logLevel',
    type: 'LogLevel',
    flag: '--log-level',
    arg: '<level>',
    parse: 'string',
    env: [{ name: 'LOG_LEVEL' }],
    summary: 'fatal|error|warn|info|debug|trace|silent (pino; JSON lines on stderr)',
    detail: '`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent` (pino)',
  },
  { key: 'logger', codeOnly: true, type: 'pino `Logger`', defaultText: 'none', summary: 'code only: use this logger instead of creating one', detail: 'use this logger instead of creating one (the default logs JSON lines to stderr)' },
  { key: 'engine', codeOnly: true, type: 'Engine', defaultText: 'a new MemoryEngine', summary: 'code only: where publications are sequenced, retained and delivered from', detail: 'where publications are sequenced, retained and delivered from (§1.6)' },
  {
    key: 'redis',
    type: '`{ url, keyPrefix?, sharded?, commandTimeoutMs?, ... }` or `{ sentinels: [{ host, port }], name, ... }`',
    flag: '--redis',
    arg: '<url>',
    parse: 'redis-url',
    env: [
      {
        name: 'SWITCHBOARD_REDIS_URL',
        sets: 'redis.url',
        note: 'selects the Redis engine (`redis://`, `rediss://`, or `redis+sentinel://host:26379,host2/mymaster` through Sentinel); other `redis` settings from the config file are kept',
      },
      {
        name: 'SWITCHBOARD_REDIS_SENTINELS',
        sets: 'redis.sentinels',
        note: '`host[:port],host[:port]...` (port 26379 by default); with `SWITCHBOARD_REDIS_MASTER`, instead of `SWITCHBOARD_REDIS_URL` (both set: exit 2)',
      },
      { name: 'SWITCHBOARD_REDIS_MASTER', sets: 'redis.name', note: 'the master name the sentinels monitor; with `SWITCHBOARD_REDIS_SENTINELS`' },
    ],
    defaultText: 'none (in-memory engine)',
    summary: 'share topics with other processes through Redis (one Redis, or Sentinel: sentinels + master name)',
    detail:
      'share topics with other processes through a `RedisEngine` (ignored when `engine` is set), on one Redis or through Redis Sentinel, optionally acknowledging publishes only once replicas have them (`waitReplicas`); every field: [operations.md §1](operations.md#1-running-with-redis)',
    helpLines: ['(redis://host:6379, redis+sentinel://host:26379,host2/mymaster;', 'more settings: "redis" in the config file)'],
  },
  {
    key: 'workers',
    flag: '--workers',
    arg: '<n|auto>',
    env: [{ name: 'SWITCHBOARD_WORKERS', note: '`auto` (one per core, `os.availableParallelism()`) or 1–1024 server processes under one supervisor; needs the Redis engine' }],
    defaultText: 'one process',
    summary: 'run n server processes sharing the port (auto: one per core; needs Redis; SIGHUP restarts them one by one)',
  },
  {
    key: 'drainMs',
    type: 'number',
    flag: '--drain-ms',
    arg: '<ms>',
    parse: 'int',
    unit: 'ms',
    summary: 'SIGTERM: close sockets with 1012 over this window (0 = at once)',
    detail:
      'graceful drain window in ms (`server.drain()`, SIGTERM): `/readyz` 503 at once, listener closed after the first quarter, sockets closed with 1012 evenly over the rest; `0` closes everything at once ([operations.md §5](operations.md#5-workers-drain-and-rolling-restarts))',
  },
  {
    key: 'worker', codeOnly: true,
    type: 'WorkerRole | undefined',
    defaultText: 'none',
    summary: 'code only, set by --workers: this process is one worker of a box',
    detail: 'code only, set by `--workers`: this process is one worker of a `switchboard --workers` box (its id, the box\'s metrics and readiness)',
  },
  {
    key: 'pusher',
    type: 'PusherOptions | undefined',
    env: [
      { name: 'SWITCHBOARD_PUSHER_APP_ID', sets: 'pusher.apps[0].id', note: 'with `SWITCHBOARD_PUSHER_KEY` and `SWITCHBOARD_PUSHER_SECRET` (all three or none): one Pusher app' },
      { name: 'SWITCHBOARD_PUSHER_KEY', sets: 'pusher.apps[0].key', note: 'the key pusher-js connects with (`/app/:key`)' },
      { name: 'SWITCHBOARD_PUSHER_SECRET', sets: 'pusher.apps[0].secret', note: 'signs HTTP API calls and private/presence channel auth' },
      { name: 'SWITCHBOARD_PUSHER_CLIENT_EVENTS', sets: 'pusher.apps[0].clientEvents', note: '`true` enables client events' },
      { name: 'SWITCHBOARD_PUSHER_SUBSCRIPTION_COUNT', sets: 'pusher.apps[0].subscriptionCount', note: '`true`: subscribers of non-presence channels get `pusher:subscription_count` ([pusher.md](pusher.md#subscription-counts))' },
      { name: 'SWITCHBOARD_PUSHER_WEBHOOK_URL', sets: 'pusher.apps[0].webhooks', note: 'one URL that receives every [webhook](pusher.md#webhooks) of the app' },
    ],
    defaultText: 'none (no Pusher route)',
    summary: 'Pusher protocol apps for pusher-js, Laravel Echo and the Pusher server SDKs (env: one app)',
    detail: 'Pusher protocol apps: `/app/:key` WebSocket and `/apps/:id/...` HTTP API for pusher-js, Laravel Echo and the Pusher server SDKs ([pusher.md](pusher.md))',
  },
  {
    env: [{ name: 'SWITCHBOARD_UWS_MODULE', note: 'module to try first as the uWebSockets.js build (before `uWebSockets.js`, `@btc-vision/uwebsockets.js`, `@trufflesuite/uws-js-unofficial`)' }],
    defaultText: 'first that loads',
    summary: 'module to try first as the uWebSockets.js build',
  },
  {
    env: [
      {
        name: 'SWITCHBOARD_GC_TUNING',
        note: "`0` keeps V8's own collector settings; by default the command collects the young generation on the main thread and starts workers without the memory reducer ([operations.md](operations.md#gc-pauses-on-busy-cores))",
      },
    ],
    defaultText: 'on',
    summary: "0 keeps V8's collector settings; otherwise young-generation collections run on the main thread and workers start without the memory reducer",
  },
];

/** A number with its readable form: `65536 (64 KiB)`, `300000 (5 min)`. */
function withUnit(value: number, unit: Setting['unit']): string {
  if (unit === 'bytes' && value >= 1024) {
    const [size, name] = value % (1024 * 1024) === 0 ? [value / (1024 * 1024), 'MiB'] : value % 1024 === 0 ? [value / 1024, 'KiB'] : [0, ''];
    return size === 0 ? String(value) : `${value} (${size} ${name})`;
  }
  if (unit === 'ms' && value >= 60_000 && value % 60_000 === 0) return `${value} (${value / 60_000} min)`;
  if (unit === 'ms' && value >= 1000 && value % 1000 === 0) return `${value} (${value / 1000} s)`;
  return String(value);
}

/**
 * The default of a setting as text. Numbers, booleans and strings always come from DEFAULTS; the
 * setting's own `defaultText` speaks only for options without a default value (what happens
 * without them), for structured defaults (`[]`, `{}`) and for settings that are not options.
 */
export function defaultOf(setting: Setting): string {
  const value = setting.key !== undefined && setting.key in DEFAULTS ? (DEFAULTS as Record<string, unknown>)[setting.key] : undefined;
  if (typeof value === 'number') return withUnit(value, setting.unit);
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return value;
  if (setting.defaultText !== undefined) return setting.defaultText;
  return value === undefined ? 'none' : JSON.stringify(value);
}

/** A setting's label in docs: its key, else its first environment variable. */
export function settingName(setting: Setting): string {
  return setting.key ?? setting.env?.[0]?.name ?? '?';
}

/** Whether a setting is a key of switchboard.config.json. */
export function isFileKey(setting: Setting): boolean {
  return setting.key !== undefined && setting.key !== 'config' && setting.codeOnly !== true;
}
