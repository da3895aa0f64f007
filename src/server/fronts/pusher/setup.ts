/**
 * Turns the Pusher front on: the `/app/:key` WebSocket route, the `/apps/:appId/...` HTTP routes
 * and the parts they share (socket registry, presence, channel rules), all on the server's one
 * port and topic core. Called by createServer only when `options.pusher` is set, so a server
 * without Pusher apps registers nothing and encodes nothing for Pusher.
 */
import type { Namespaces } from '../../config/namespaces.js';
import type { ResolvedOptions } from '../../config/options.js';
import type { ReportError } from '../../connection/hooks.js';
import type { Lifecycle } from '../../core/lifecycle.js';
import type { Publisher } from '../../core/publisher.js';
import type { TopicCore } from '../../core/topic-core.js';
import type { TrafficCounters } from '../../core/traffic.js';
import type { PresenceStore } from '../../engine/engine.js';
import { registerPusherApi } from '../../http/pusher-api.js';
import type { ServerTransport } from '../../listener.js';
import { PusherApps, type PusherOptions } from './apps.js';
import { ChannelSession } from './channel-session.js';
import { PusherPresence } from './presence.js';
import { PusherFront } from './pusher-front.js';
import { PusherSockets } from './sockets.js';
import { createPusherUpgrader, type PusherUpgradeDeps } from './upgrade.js';

export interface PusherSetupDeps {
  pusher: PusherOptions;
  transport: ServerTransport;
  core: TopicCore;
  publisher: Publisher;
  presenceStore: PresenceStore;
  namespaces: Namespaces;
  lifecycle: Lifecycle;
  traffic: TrafficCounters;
  options: ResolvedOptions;
  /** The common upgrade settings (origins, admission, limits), shared with the native route. */
  upgrade: Omit<PusherUpgradeDeps, 'nextId'>;
  reportError: ReportError;
}

/** Registers the Pusher WebSocket and HTTP routes. Call before the native `/*` routes. */
export function registerPusher(deps: PusherSetupDeps): void {
  const { core, options } = deps;
  const apps = new PusherApps(deps.pusher);
  const sockets = new PusherSockets();
  const presence = new PusherPresence(deps.presenceStore, core);
  const session = new ChannelSession({
    core,
    publisher: deps.publisher,
    presence,
    namespaces: deps.namespaces,
    sockets,
    limits: { maxSubscriptions: options.maxSubscriptions, maxTopicBytes: options.maxTopicBytes },
    report: (error, socket) => deps.reportError(error, socket.connection),
  });
  const front = new PusherFront({ session, sockets, lifecycle: deps.lifecycle, traffic: deps.traffic, maxPayloadBytes: options.maxPayloadBytes, reportError: deps.reportError });
  const upgrader = createPusherUpgrader(apps, front, { ...deps.upgrade, nextId: () => sockets.nextId() });
  deps.transport.websocket('/app/:key', front, upgrader, options);
  registerPusherApi({
    router: deps.transport.router,
    apps,
    core,
    publisher: deps.publisher,
    presence,
    sockets,
    traffic: deps.traffic,
    maxBodyBytes: options.maxHttpBodyBytes,
    maxTopicBytes: options.maxTopicBytes,
    requestsPerSecond: options.httpRequestsPerSecond,
    onUnexpected: (error) => deps.reportError(error),
  });
}
