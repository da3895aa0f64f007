/**
 * Builds one server's parts from its resolved options and wires them together: engine, topic
 * core, the protocol fronts (each a plug-in: wires, routes, metrics), the transport's routes and
 * the HTTP API. The path of one publication: Publisher → Engine (sequence, retain) →
 * TopicCore.deliver → one message per wire format → the transport's native fan-out.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { toError } from '../protocol/errors.js';
import { createLogger } from './log/logger.js';
import type { ResolvedOptions } from './config/options.js';
import { Admission } from './connection/admission.js';
import { createAuthenticator } from './connection/auth.js';
import { BackendHooks } from './connection/backend-hooks/backend-hooks.js';
import { createFailureLog } from './connection/backend-hooks/failure-log.js';
import { createClientAddressResolver } from './connection/client-address.js';
import type { Connection } from './connection/connection.js';
import { createRefusalLog } from './connection/refusal-log.js';
import { createTokenVerifier } from './connection/token-verifier.js';
import { Control } from './connection/control.js';
import { Lifecycle } from './connection/lifecycle.js';
import { Publisher } from './core/publisher.js';
import { ConnectionRegistry } from './connection/registry.js';
import { TopicCore } from './core/topic-core.js';
import { newTrafficCounters, type TrafficCounters } from './connection/traffic.js';
import type { Engine } from './engine/engine.js';
import { MemoryEngine } from './engine/memory-engine.js';
import { describeTarget, redisTarget } from './engine/redis/options.js';
import { RedisEngine } from './engine/redis/redis-engine.js';
import type { FrontContext, FrontPlugin, SocketRoute, StartedFront } from './fronts/front.js';
import { switchboardPlugin } from './fronts/switchboard/plugin.js';
import { pusherPlugin } from './fronts/pusher/plugin.js';
import { registerHttpApi } from './http/api.js';
import { createMetrics } from './http/metrics.js';
import type { ServerTransport } from './transport/server-transport.js';
import { PacedScan } from './runtime/paced-scan.js';
import { createUwsTransport } from './uws/uws-transport.js';

/** Everything one server is made of, wired together; the lifecycle starts and stops it. */
export interface ServerParts {
  options: ResolvedOptions;
  logger: Logger;
  transport: ServerTransport;
  engine: Engine;
  registry: ConnectionRegistry<Connection>;
  core: TopicCore;
  publisher: Publisher;
  control: Control;
  traffic: TrafficCounters;
  /** Every protocol front, started and routed. */
  fronts: readonly StartedFront[];
  /** The timer that looks at every socket's buffer (stalled readers fire no transport event). */
  slowConsumerCheck: PacedScan<Connection>;
  /** When the server was built (ms since the epoch). */
  startedAt: number;
  /** What this server runs, for the startup line: engine, fronts, hooks. */
  summary: StartupSummary;
  /** True when nothing authenticates connections (listen warns). */
  anonymous: boolean;
}

/** What a server runs, as its startup line says it (no secrets: URLs without credentials). */
export interface StartupSummary {
  engine: string;
  fronts: string[];
  hooks: string[];
}

/** What the parts ask of the lifecycle above them. */
export interface LifecycleView {
  /** Whether the server is draining (/readyz answers 503, unless another worker serves the port). */
  draining(): boolean;
}

/** Every front this build speaks, in the order the core encodes a publication: the Switchboard protocol's first. */
function listFronts(options: ResolvedOptions): FrontPlugin[] {
  // Pusher is listed even when off: it then brings no wire format and no route, only its
  // documented metrics (reading zero).
  return [switchboardPlugin(), pusherPlugin(options.pusher)];
}

/** Builds and wires a server's parts. Nothing listens yet. */
export function buildParts(options: ResolvedOptions, lifecycle: LifecycleView): ServerParts {
  const worker = options.worker;
  const baseLogger = options.logger ?? createLogger(options.logLevel);
  // Several workers write to one stream: every line says which one wrote it.
  const logger = worker === undefined ? baseLogger : baseLogger.child({ worker: worker.id });
  const transport: ServerTransport = createUwsTransport();
  const engine: Engine =
    options.engine ??
    (options.redis !== undefined
      ? new RedisEngine({ idempotencyWindowMs: options.idempotencyWindowMs, maxIdempotencyKeys: options.maxIdempotencyKeys, ...options.redis })
      : new MemoryEngine({ history: { maxBytes: options.historyMaxBytes }, idempotencyWindowMs: options.idempotencyWindowMs, maxIdempotencyKeys: options.maxIdempotencyKeys }));
  const namespaces = options.namespaceTable;
  const verifier = createTokenVerifier(options);
  const clientAddress = createClientAddressResolver(options.trustedProxies);
  const traffic = newTrafficCounters();
  const startedAt = Date.now();
  // A worker's connection ids name it, so a client (and a test) can tell where it landed.
  const idPrefix = `${worker === undefined ? '' : `w${worker.id}.`}${randomBytes(4).toString('hex')}`;
  let nextId = 0;

  const reportError = (error: Error, connection?: Connection) => {
    logger.error({ err: error, connection: connection?.id }, 'application hook failed');
    try {
      options.onError?.(error, connection);
    } catch (hookError) {
      logger.error({ err: hookError }, 'onError hook threw');
    }
  };
  const runHook = (connection: Connection, run: () => void | Promise<void>) => {
    try {
      const result = run();
      if (result instanceof Promise) result.catch((err: unknown) => reportError(toError(err), connection));
    } catch (err) {
      reportError(toError(err), connection);
    }
  };

  const backend = options.backend === undefined ? undefined : new BackendHooks({ options: options.backend, log: createFailureLog(logger) });
  // The connect hook takes the authenticate hook's place (options refuse having both).
  const authenticate = options.authenticate ?? (backend?.hasConnect === true ? (request: Parameters<BackendHooks['connect']>[0]) => backend.connect(request) : undefined);

  const registry = new ConnectionRegistry<Connection>();
  const plugins = listFronts(options);
  const core = new TopicCore({
    fanout: transport.fanout,
    engine,
    namespaces,
    wires: plugins.flatMap((plugin) => plugin.wires),
    limits: options,
    findConnection: (id) => registry.byId.get(id),
  });
  const publisher = new Publisher(engine, namespaces, options.maxTopicBytes);
  const control = new Control(core, registry, engine.presence, options.maxTopicBytes, engine.cluster);
  const context: FrontContext = {
    options,
    hooks: options,
    core,
    publisher,
    lifecycle: new Lifecycle(registry, core, options, runHook),
    presence: engine.presence,
    namespaces,
    traffic,
    fanout: transport.fanout,
    // One for every front: the connection caps count Pusher and Switchboard-protocol sockets together.
    upgrade: {
      host: core,
      allowedOrigins: options.allowedOrigins,
      authTimeoutMs: options.authTimeoutMs,
      admission: new Admission(options),
      clientAddress,
      rateLimits: options,
      onRefused: () => traffic.upgradesRefused++,
      onRefusal: createRefusalLog(logger),
      onUnexpected: (error: Error) => reportError(error),
    },
    auth: { authenticator: createAuthenticator(verifier, authenticate), verifier, backend },
    nextId: () => `${idPrefix}-${(nextId++).toString(36)}`,
    reportError,
    logger,
  };
  const fronts = plugins.map((plugin) => plugin.start(context));
  for (const route of catchAllLast(fronts.flatMap((front) => front.sockets))) transport.websocket(route.pattern, route.handler, route.upgrader, options);
  for (const front of fronts) front.routes(transport.router);

  // Stalled readers fire no transport event at all, so every socket's buffer is looked at on a
  // timer: a slice per step, so the check never blocks the loop for all sockets at once.
  const slowConsumerCheck = new PacedScan({
    entries: () => registry.byId.values(),
    size: () => registry.size,
    visit: (connection) => core.lanes.check(connection),
    periodMs: options.slowConsumerCheckMs,
  });

  const metrics = createMetrics({
    connections: () => registry.size,
    connectionsOpened: () => registry.opened,
    core: core.counters,
    lanes: core.lanes.counters,
    filtered: core.filtered.counters,
    traffic,
    historyBytes: () => engine.history.bytes ?? 0,
    engineReady: () => engine.ready?.() ?? true,
    topTopics: () => core.tally.top(),
    contributors: plugins,
  });
  if (worker !== undefined) {
    metrics.setDefaultLabels({ worker: worker.id });
    worker.register(metrics);
  }
  registerHttpApi({
    router: transport.router,
    core,
    publisher,
    control,
    options,
    metrics,
    traffic,
    connections: () => registry.size,
    readiness: () => {
      // A draining worker still answers while its listener is open; the port is ready if another serves it.
      if (lifecycle.draining()) return worker?.othersReady() === true ? { ready: true, status: 'ready (this worker draining)' } : { ready: false, status: 'draining' };
      return (engine.ready?.() ?? true) ? { ready: true, status: 'ready' } : { ready: false, status: 'engine unavailable' };
    },
    workerId: worker?.id,
    metricsText: worker === undefined ? undefined : () => worker.boxMetrics(),
    startedAt,
    clientAddress,
    onUnexpected: (error) => reportError(error),
  });

  const anonymous = verifier === undefined && authenticate === undefined;
  const summary = startupSummary(options);
  return { options, logger, transport, engine, registry, core, publisher, control, traffic, fronts, slowConsumerCheck, startedAt, anonymous, summary };
}

/** Catch-all patterns (`/*`) after the specific ones, so they never take another front's paths. */
function catchAllLast(routes: readonly SocketRoute[]): SocketRoute[] {
  return [...routes.filter((route) => !route.pattern.endsWith('*')), ...routes.filter((route) => route.pattern.endsWith('*'))];
}

/** The startup line's facts: which engine, which fronts (Pusher with its app ids), which hooks. */
export function startupSummary(options: ResolvedOptions): StartupSummary {
  const engine =
    options.engine !== undefined ? `custom (${options.engine.constructor.name})` : options.redis !== undefined ? `redis (${describeTarget(redisTarget({ url: options.redis.url, sentinels: options.redis.sentinels, name: options.redis.name }))})` : 'memory';
  const fronts = ['switchboard protocol'];
  if (options.pusher !== undefined) fronts.push(`pusher (apps ${options.pusher.apps.map((app) => app.id).join(', ')})`);
  const hooks: string[] = [];
  const backend = options.backend;
  if (backend !== undefined) {
    const asked = Object.entries({ connect: backend.connectUrl, subscribe: backend.subscribeUrl, publish: backend.publishUrl, rpc: backend.rpcUrl }).filter(([, url]) => url !== undefined);
    const origins = [...new Set(asked.map(([, url]) => new URL(url!).origin))];
    hooks.push(`backend ${origins.join(', ')} (${asked.map(([hook]) => hook).join(', ')})`);
  }
  for (const name of ['authenticate', 'onOpen', 'onMessage', 'onClose', 'onError'] as const) if (options[name] !== undefined) hooks.push(name);
  const rpcMethods = Object.keys(options.rpc ?? {});
  if (rpcMethods.length > 0) hooks.push(`rpc (${rpcMethods.join(', ')})`);
  return { engine, fronts, hooks };
}
