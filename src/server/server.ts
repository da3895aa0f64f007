/**
 * createServer(): builds the parts (engine, topic core, protocol front, transport, HTTP API) from
 * the options, wires them together, and owns the lifecycle (listen, graceful close). The path of
 * one publication: Publisher → Engine (sequence, retain) → TopicCore.deliver → one message per
 * wire format → the transport's native fan-out.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { unpackValue } from '../protocol/codec.js';
import { CloseCode } from '../protocol/codes.js';
import { toError } from '../protocol/errors.js';
import type { PresenceInfo, StreamPosition } from '../protocol/frames.js';
import { createLogger } from './config/logger.js';
import { buildNamespaces, resolveOptions, type ResolvedOptions, type ServerOptions } from './config/options.js';
import { Admission } from './connection/admission.js';
import { createAuthenticator } from './connection/auth.js';
import { BackendHooks } from './connection/backend-hooks/backend-hooks.js';
import { createFailureLog } from './connection/backend-hooks/failure-log.js';
import { createClientAddressResolver } from './connection/client-address.js';
import type { Client, Connection } from './connection/connection.js';
import { Permissions } from './connection/permissions.js';
import { createRefusalLog } from './connection/refusal-log.js';
import { createRefresher } from './connection/token-refresh.js';
import { createTokenVerifier } from './connection/token-verifier.js';
import { createUpgrader } from './connection/upgrade.js';
import { Control, disconnectCommand, type DisconnectOptions } from './core/control.js';
import { Lifecycle } from './core/lifecycle.js';
import { PacedScan } from './paced-scan.js';
import { Publisher } from './core/publisher.js';
import { ConnectionRegistry } from './core/registry.js';
import { TopicCore } from './core/topic-core.js';
import { newTrafficCounters } from './core/traffic.js';
import type { Engine } from './engine/engine.js';
import { MemoryEngine } from './engine/memory-engine.js';
import { RedisEngine } from './engine/redis/redis-engine.js';
import { NATIVE_WIRES } from './fronts/native/formats.js';
import { NativeFront } from './fronts/native/native-front.js';
import { Session } from './fronts/native/session.js';
import { registerPusher, type PusherHandle } from './fronts/pusher/plugin.js';
import { newWebhookCounters } from './fronts/pusher/webhooks/sender.js';
import { pusherWire } from './fronts/pusher/wire.js';
import { registerHttpApi } from './http/api.js';
import { createMetrics } from './http/metrics.js';
import type { ServerTransport } from './listener.js';
import { createUwsTransport } from './uws/uws-transport.js';
import { drainConnections } from './drain.js';

/** A topic's history as `server.history()` answers it. */
export interface TopicHistory {
  epoch: string;
  seq: number;
  /** With `since`: whether every publication after it is included. */
  recovered: boolean;
  publications: Array<{ seq: number; time: number; data: unknown }>;
}

/** Where a server is listening. */
export interface ListenInfo {
  host: string;
  port: number;
  /** `ws://host:port/` (loopback shown as 127.0.0.1 when bound to all interfaces). */
  url: string;
}

/** A point-in-time view of the server's counters. */
export interface ServerStats {
  connections: number;
  connectionsOpened: number;
  publications: number;
  messagesIn: number;
  bytesIn: number;
  badFrames: number;
  uptimeSeconds: number;
}

export interface Server {
  /** Starts listening (options.port/host unless given); resolves with the bound port. */
  listen(port?: number, host?: string): Promise<ListenInfo>;
  /**
   * Publishes to a topic; resolves with the topic sequence number. With an `idempotencyKey` already
   * used on this topic within `idempotencyWindowMs`, publishes nothing and resolves with the first seq.
   */
  publish(topic: string, data: unknown, options?: { idempotencyKey?: string }): Promise<number>;
  /**
   * Who is on a presence-enabled topic (throws UNSUPPORTED when presence is off for it): on this
   * server, answered synchronously, or on every server sharing a Redis engine, as a promise.
   */
  presence(topic: string): PresenceInfo | Promise<PresenceInfo>;
  /**
   * A topic's retained publications (data unpacked): the latest `limit` (default 100), or with
   * `since` everything after that position, all or nothing (`recovered`).
   */
  history(topic: string, options?: { since?: StreamPosition; limit?: number }): Promise<TopicHistory>;
  /**
   * Subscribes every connection of a user to topics: on this server, answered synchronously, or on
   * every server sharing a Redis engine, as a promise (like the HTTP API). Returns how many connections.
   */
  subscribeUser(userId: string, topics: readonly string[]): number | Promise<number>;
  /** Unsubscribes every connection of a user from topics (everywhere, as `subscribeUser`); returns how many connections. */
  unsubscribeUser(userId: string, topics: readonly string[]): number | Promise<number>;
  /** Closes every connection of a user (default 4501 KICKED; everywhere, as `subscribeUser`); returns how many. */
  disconnectUser(userId: string, options?: DisconnectOptions): number | Promise<number>;
  /**
   * Publishes the same data to several topics (packed once); resolves with their sequence numbers.
   * With an `idempotencyKey`, each topic remembers it as `publish` does, so a retried broadcast
   * publishes only where the first attempt did not.
   */
  broadcast(topics: readonly string[], data: unknown, options?: { idempotencyKey?: string }): Promise<number[]>;
  /** Stops accepting, closes every socket with 1001, stops the engine. */
  close(): Promise<void>;
  /**
   * Leaves gracefully over `drainMs`: /readyz 503 at once, the listener closed after the first
   * quarter, every socket closed with 1012 SERVICE_RESTART spread over the rest, then `close()`.
   */
  drain(): Promise<void>;
  /** This process's worker id under `switchboard --workers`, else undefined. */
  readonly workerId: string | undefined;
  stats(): ServerStats;
  /** Open connections by id (the client registry). */
  readonly clients: ReadonlyMap<string, Client>;
  /** Which uWS build is serving: name, version, tls, compression. */
  readonly uws: { name: string; version: string; tls: boolean; compression: boolean };
  readonly options: ResolvedOptions;
  readonly logger: Logger;
}

const CLOSE_GRACE_MS = 2000;

/** Creates a server. Nothing listens until `listen()`. */
export function createServer(input: Partial<ServerOptions> = {}): Server {
  const options = resolveOptions(input);
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
  const namespaces = buildNamespaces(options);
  const verifier = createTokenVerifier(options);
  const clientAddress = createClientAddressResolver(options.trustedProxies);
  const traffic = newTrafficCounters();
  const startedAt = Date.now();
  // A worker's connection ids name it, so a client (and a test) can tell where it landed.
  const idPrefix = `${worker === undefined ? '' : `w${worker.id}.`}${randomBytes(4).toString('hex')}`;
  let nextId = 0;
  let listening = false;
  let closing: Promise<void> | undefined;
  let draining: Promise<void> | undefined;

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
  // Every front's wire formats, in the order the core encodes a publication.
  const wires = options.pusher === undefined ? NATIVE_WIRES : [...NATIVE_WIRES, pusherWire];
  const core = new TopicCore({ fanout: transport.fanout, engine, namespaces, wires, limits: options, findConnection: (id) => registry.byId.get(id) });
  const publisher = new Publisher(engine, namespaces, options.maxTopicBytes);
  const control = new Control(core, registry, engine.presence, options.maxTopicBytes, engine.cluster);
  const session = new Session({
    core,
    publisher,
    presence: engine.presence,
    options,
    hooks: options,
    report: reportError,
    guards: { permissions: new Permissions(namespaces, verifier, backend), refresh: createRefresher(verifier) },
    backend,
  });
  const lifecycle = new Lifecycle(registry, core, options, runHook);
  const front = new NativeFront({
    limits: { maxPayloadBytes: options.maxPayloadBytes, maxSubscriptions: options.maxSubscriptions, maxTopicBytes: options.maxTopicBytes },
    session,
    lifecycle,
    traffic,
    reportError,
  });
  const anonymous = verifier === undefined && authenticate === undefined;

  // Shared by every WebSocket route: the connection caps count Pusher and native sockets together.
  const commonUpgrade = {
    host: core,
    allowedOrigins: options.allowedOrigins,
    authTimeoutMs: options.authTimeoutMs,
    admission: new Admission(options),
    clientAddress,
    rateLimits: options,
    onRefused: () => traffic.upgradesRefused++,
    onRefusal: createRefusalLog(logger),
    onUnexpected: (error: Error) => reportError(error),
  };
  const upgrader = createUpgrader({
    ...commonUpgrade,
    authenticator: createAuthenticator(verifier, authenticate),
    keepHeaders: backend?.keepsHeaders === true ? (headers) => backend.keep(headers) : undefined,
    negotiate: (header) => front.negotiate(header),
    nextId: () => `${idPrefix}-${(nextId++).toString(36)}`,
  });
  const webhookCounters = newWebhookCounters();
  let pusher: PusherHandle | undefined;
  if (options.pusher !== undefined) {
    // Before the native `/*` WebSocket route and the HTTP catch-all, which would take its paths.
    pusher = registerPusher({
      pusher: options.pusher,
      transport,
      core,
      publisher,
      presenceStore: engine.presence,
      namespaces,
      lifecycle,
      traffic,
      options,
      upgrade: commonUpgrade,
      reportError,
      webhookCounters,
      logger,
    });
  }
  transport.websocket('/*', front, upgrader, options);

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
    traffic,
    historyBytes: () => engine.history.bytes ?? 0,
    engineReady: () => engine.ready?.() ?? true,
    webhooks: webhookCounters,
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
      if (draining !== undefined) return worker?.othersReady() === true ? { ready: true, status: 'ready (this worker draining)' } : { ready: false, status: 'draining' };
      return (engine.ready?.() ?? true) ? { ready: true, status: 'ready' } : { ready: false, status: 'engine unavailable' };
    },
    workerId: worker?.id,
    metricsText: worker === undefined ? undefined : () => worker.boxMetrics(),
    startedAt,
    clientAddress,
    onUnexpected: (error) => reportError(error),
  });

  const server: Server = {
    options,
    logger,
    clients: registry.byId,
    workerId: worker?.id,
    uws: { name: transport.build.name, version: transport.build.version, tls: transport.build.tls, compression: transport.build.compression },

    async listen(port = options.port, host = options.host) {
      if (listening) throw new Error('server is already listening');
      listening = true;
      await engine.start(core);
      slowConsumerCheck.start();
      let bound: number;
      try {
        // Workers share the port (SO_REUSEPORT, the kernel spreads connections); a lone process
        // refuses to, so a second one started by mistake fails instead of taking half the clients.
        bound = await transport.listen(host, port, worker === undefined);
      } catch (err) {
        listening = false;
        slowConsumerCheck.stop();
        throw err;
      }
      const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
      logger.info({ uws: transport.build.description, skipped: transport.build.skipped, host, port: bound }, 'listening');
      if (anonymous) logger.warn('anonymous connections allowed: set SWITCHBOARD_JWT_SECRET, a public key or JWKS URL, an authenticate hook or backend.connectUrl');
      if (options.apiKey === undefined) {
        logger.warn('HTTP API answers loopback callers only (behind a reverse proxy on this host every request looks local): set SWITCHBOARD_API_KEY');
      }
      return { host, port: bound, url: `ws://${shownHost}:${bound}/` };
    },

    async publish(topic, data, publishOptions) {
      return (await publisher.publish(topic, data, { idempotencyKey: publishOptions?.idempotencyKey })).seq;
    },

    presence: (topic) => control.presence(topic),
    async history(topic, { since, limit = 100 } = {}) {
      const read = await core.history(topic, since ?? null, limit);
      return {
        epoch: read.epoch,
        seq: read.seq,
        recovered: read.recovered,
        publications: read.publications.map((p) => ({ seq: p.seq, time: p.time, data: unpackValue(p.payload) })),
      };
    },
    // The same path as the HTTP API: with a Redis engine, every node's connections of the user.
    subscribeUser: (userId, topics) => control.everywhere({ op: 'subscribe', userId, topics }),
    unsubscribeUser: (userId, topics) => control.everywhere({ op: 'unsubscribe', userId, topics }),
    disconnectUser: (userId, disconnectOptions) => control.everywhere(disconnectCommand(userId, disconnectOptions)),

    async broadcast(topics, data, broadcastOptions) {
      const results = await publisher.broadcast(topics, data, { idempotencyKey: broadcastOptions?.idempotencyKey });
      return results.map((result) => result.seq);
    },

    close() {
      closing ??= (async () => {
        transport.stopListening();
        slowConsumerCheck.stop();
        core.flushAll();
        for (const connection of [...registry.byId.values()]) connection.close(CloseCode.GoingAway, 'server shutting down');
        const deadline = Date.now() + CLOSE_GRACE_MS;
        while (registry.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
        await engine.close();
        // After the engine: presence leaves of the sockets just closed have settled, so their
        // member_removed is among what the webhooks flush. Nothing is sent after this.
        await pusher?.close();
        transport.close();
      })();
      return closing;
    },

    drain() {
      draining ??= (async () => {
        logger.info({ drainMs: options.drainMs, connections: registry.size }, 'draining');
        await drainConnections(
          {
            connections: () => registry.byId.values(),
            count: () => registry.size,
            stopListening: () => transport.stopListening(),
            flush: () => core.flushAll(),
          },
          options.drainMs,
        );
        // Let the 1012s finish their handshakes, so close() has nothing left to send 1001 to.
        const deadline = Date.now() + CLOSE_GRACE_MS;
        while (registry.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
        await server.close();
      })();
      return draining;
    },

    stats() {
      return {
        connections: registry.size,
        connectionsOpened: registry.opened,
        publications: core.counters.publications,
        messagesIn: traffic.messagesIn,
        bytesIn: traffic.bytesIn,
        badFrames: traffic.badFrames,
        uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      };
    },
  };
  return server;
}
