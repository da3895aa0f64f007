/**
 * Turns the Pusher front on: the `/app/:key` WebSocket route, the `/apps/:appId/...` HTTP routes
 * and the parts they share (socket registry, presence, channel rules), all on the server's one
 * port and topic core. Called by createServer only when `options.pusher` is set, so a server
 * without Pusher apps registers nothing and encodes nothing for Pusher.
 */
import type { Logger } from 'pino';
import type { Namespaces } from '../../config/namespaces.js';
import { createLogThrottle } from '../../config/log-throttle.js';
import type { ResolvedOptions } from '../../config/options.js';
import type { ReportError } from '../../connection/hooks.js';
import type { Lifecycle } from '../../core/lifecycle.js';
import type { Publisher } from '../../core/publisher.js';
import type { TopicCore } from '../../core/topic-core.js';
import type { TrafficCounters } from '../../core/traffic.js';
import type { PresenceStore } from '../../engine/engine.js';
import { registerPusherApi } from './http-api.js';
import type { ServerTransport } from '../../listener.js';
import { Kind } from '../../../protocol/frames.js';
import { PusherApps, type PusherOptions } from './apps.js';
import { ChannelSession } from './channel-session.js';
import { PusherPresence } from './presence.js';
import { PusherFront } from './pusher-front.js';
import { PusherSockets } from './sockets.js';
import { SubscriptionCounts } from './subscription-counts.js';
import { createPusherUpgrader, type PusherUpgradeDeps } from './upgrade.js';
import { ChannelKind, channelKind, channelProblem } from './channels.js';
import { WebhookDispatcher } from './webhooks/dispatcher.js';
import { resolveWebhookDelivery } from './webhooks/options.js';
import type { WebhookCounters } from './webhooks/sender.js';

/** At most one log line per URL and problem per this window. */
const WEBHOOK_LOG_INTERVAL_MS = 60_000;

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
  /** Counted by webhook delivery, read by /metrics. */
  webhookCounters: WebhookCounters;
  logger: Logger;
}

/** What the server stops when it closes. */
export interface PusherHandle {
  /** Sends held webhook events and flushes every webhook URL (bounded: see webhooks/sender.ts). */
  close(): Promise<void>;
}

/** Registers the Pusher WebSocket and HTTP routes. Call before the native `/*` routes. */
export function registerPusher(deps: PusherSetupDeps): PusherHandle {
  const { core, options } = deps;
  const apps = new PusherApps(deps.pusher);
  const sockets = new PusherSockets();
  const presence = new PusherPresence(deps.presenceStore, core);
  const webhooks = apps.all().some((app) => (app.webhooks ?? []).length > 0) ? createWebhooks(apps, deps) : undefined;
  const counting = apps.all().some((app) => app.subscriptionCount === true);
  const counts = counting
    ? new SubscriptionCounts({
        fanout: deps.transport.fanout,
        count: (channel) => core.subscriberCount(channel),
        webhook: webhooks?.wants('subscription_count') === true ? (channel, count) => pusherChannel(channel, options.maxTopicBytes) && webhooks.subscriptionCount(channel, count) : undefined,
      })
    : undefined;
  if (webhooks !== undefined || counts !== undefined) {
    const occupancy = webhooks !== undefined && (webhooks.wants('channel_occupied') || webhooks.wants('channel_vacated'));
    const members = webhooks !== undefined && (webhooks.wants('member_added') || webhooks.wants('member_removed'));
    core.watch({
      counted(topic, count, added) {
        counts?.changed(topic, count);
        const edge = added ? count === 1 : count === 0;
        if (occupancy && edge && pusherChannel(topic, options.maxTopicBytes)) webhooks.occupancy(topic, added);
      },
      presenceDue(notice) {
        if (!members || channelKind(notice.topic) !== ChannelKind.Presence) return;
        // As on the Pusher wire (wire.ts): a member without a user id is its connection.
        webhooks.member(notice.topic, notice.userId ?? notice.connectionId, notice.kind === Kind.Join);
      },
    });
  }
  const session = new ChannelSession({
    core,
    publisher: deps.publisher,
    presence,
    namespaces: deps.namespaces,
    sockets,
    limits: { maxSubscriptions: options.maxSubscriptions, maxTopicBytes: options.maxTopicBytes },
    report: (error, socket) => deps.reportError(error, socket.connection),
    webhooks: webhooks?.wants('client_event') === true ? webhooks : undefined,
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
    clientAddress: deps.upgrade.clientAddress,
    onUnexpected: (error) => deps.reportError(error),
  });
  return {
    async close() {
      counts?.close();
      await webhooks?.close();
    },
  };
}

/** A topic that is also a Pusher channel name (native topics like `chat:1` are not). */
function pusherChannel(topic: string, maxTopicBytes: number): boolean {
  return channelProblem(topic, maxTopicBytes) === null;
}

/** The webhook dispatcher, logging lost events at most once a minute per URL and problem. */
function createWebhooks(apps: PusherApps, deps: PusherSetupDeps): WebhookDispatcher {
  const gate = createLogThrottle<string>(WEBHOOK_LOG_INTERVAL_MS);
  return new WebhookDispatcher({
    apps: apps.all(),
    delivery: resolveWebhookDelivery(deps.pusher.webhookDelivery),
    counters: deps.webhookCounters,
    report(url, problem, events, detail) {
      const suppressed = gate(`${problem} ${url}`);
      if (suppressed === undefined) return;
      // The URL may carry credentials (user:password@, a token in the query): log where it points only.
      const where = redact(url);
      const message = problem === 'dropped' ? 'webhook events dropped' : 'webhook delivery failed';
      deps.logger.warn({ url: where, events, reason: detail, suppressed }, message);
    },
  });
}

function redact(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}
