/**
 * The protocol-front seam: the shape every wire protocol plugs into the server with. A front
 * handles its sockets' events (ProtocolFront) and, as a FrontPlugin, brings everything else it
 * needs: its wire formats, WebSocket routes, HTTP routes, metrics and close. createServer lists
 * the plug-ins and treats each the same way; the topic core knows only topics, publications and
 * subscribers, and encodes each publication once per wire format (core/wire-format.ts).
 */
import type { Logger } from 'pino';
import type { Namespaces } from '../namespaces/namespaces.js';
import type { Authenticator } from '../connection/auth.js';
import type { BackendHooks } from '../connection/backend-hooks/backend-hooks.js';
import type { Connection } from '../connection/connection.js';
import type { ReportError } from '../connection/hooks.js';
import type { TokenVerifier } from '../connection/token-verifier.js';
import type { Negotiated, UpgradeDeps, Upgrader } from '../connection/upgrade.js';
import type { Lifecycle } from '../connection/lifecycle.js';
import type { Publisher } from '../core/publisher.js';
import type { TopicCore } from '../core/topic-core.js';
import type { TrafficCounters } from '../connection/traffic.js';
import type { WireFormat } from '../core/wire-format.js';
import type { PresenceStore } from '../engine/engine.js';
import type { MetricRegistrar } from '../http/metrics.js';
import type { Fanout } from '../transport/socket.js';
import type { HttpRouter } from '../transport/http.js';
import type { Hooks } from '../connection/hooks.js';
import type { WebSocketHandler } from '../transport/websocket.js';

/** One wire protocol's front: the transport's handler of its sockets' events, for connections. */
export interface ProtocolFront extends WebSocketHandler<Connection> {
  /** The formats this front's sockets follow topics in. */
  readonly wires: readonly WireFormat[];
  /** Chooses the wire format (and subprotocol answer) from the `Sec-WebSocket-Protocol` header. */
  negotiate(subprotocolHeader: string): Negotiated;
}

/** A WebSocket route a front serves: its path pattern, its upgrade, and its sockets' event handler. */
export interface SocketRoute {
  /** A uWS path pattern (`/app/:key`, `/*`). */
  readonly pattern: string;
  readonly upgrader: Upgrader;
  readonly handler: ProtocolFront;
}

/** The common upgrade settings every WebSocket route shares (origins, admission, caps, refusal log). */
export type CommonUpgrade = Omit<UpgradeDeps, 'negotiate' | 'authenticator' | 'keepHeaders' | 'nextId'>;

/**
 * The server settings fronts read. Stated here rather than imported from config/, which sits above
 * the fronts (it assembles every part's options); the resolved options satisfy it as they are.
 */
export interface FrontSettings {
  readonly maxPayloadBytes: number;
  readonly maxSubscriptions: number;
  readonly maxTopicBytes: number;
  readonly maxHttpBodyBytes: number;
  readonly httpRequestsPerSecond: number;
  readonly rpcTimeoutMs: number;
}

/** The server's shared parts a front is built on. */
export interface FrontContext {
  options: FrontSettings;
  /** The application's hooks (onMessage, rpc, ...): the resolved options carry them. */
  hooks: Hooks;
  core: TopicCore;
  publisher: Publisher;
  lifecycle: Lifecycle;
  presence: PresenceStore;
  namespaces: Namespaces;
  traffic: TrafficCounters;
  fanout: Fanout;
  /** Shared by every route: the connection caps count every front's sockets together. */
  upgrade: CommonUpgrade;
  /** Connection authentication from the options (token verifier, authenticate or connect hook). */
  auth: { authenticator: Authenticator | undefined; verifier: TokenVerifier | undefined; backend: BackendHooks | undefined };
  /** A fresh server-wide connection id. */
  nextId: () => string;
  reportError: ReportError;
  logger: Logger;
}

/** What a started front hands the server: routes to register and a way to stop. */
export interface StartedFront {
  /** Its WebSocket routes. */
  readonly sockets: readonly SocketRoute[];
  /** Registers its HTTP routes (before the server's own catch-all). */
  routes(router: HttpRouter): void;
  /** Finishes its own work (held webhooks, timers) after the engine closed. */
  close(): Promise<void>;
}

/**
 * A protocol front as a plug-in. Made from the options before the core exists (the core needs
 * every wire format up front), started once it does.
 */
export interface FrontPlugin {
  /** A short name for logs. */
  readonly name: string;
  /** Its wire formats, in the order the core encodes a publication. */
  readonly wires: readonly WireFormat[];
  /** Adds its series to the server's metrics registry. */
  metrics(registrar: MetricRegistrar): void;
  /** Builds the front on the server's parts. */
  start(context: FrontContext): StartedFront;
}
