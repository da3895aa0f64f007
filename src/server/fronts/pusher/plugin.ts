/**
 * The Pusher front as a plug-in: the `/app/:key` WebSocket route, the `/apps/:appId/...` HTTP
 * routes, the webhook metrics and the parts they share (socket registry, presence, channel
 * rules), all on the server's one port and topic core. Without `options.pusher` it brings no wire
 * format and no route, so such a server encodes nothing for Pusher; its metrics read zero.
 */
import type { Logger } from 'pino';
import { createLogThrottle } from '../../log/log-throttle.js';
import type { MetricRegistrar } from '../../http/metrics.js';
import { Kind } from '../../../protocol/frames.js';
import type { FrontContext, FrontPlugin, StartedFront } from '../front.js';
import { PusherApps, type PusherOptions } from './apps.js';
import { ChannelRules } from './channel-rules.js';
import { registerPusherApi } from './http-api.js';
import { PusherPresence } from './presence.js';
import { PusherFront } from './pusher-front.js';
import { PusherSockets } from './sockets.js';
import { SubscriptionCounts } from './subscription-counts.js';
import { createPusherUpgrader } from './upgrade.js';
import { ChannelKind, channelKind, channelProblem } from './channels.js';
import { WebhookDispatcher } from './webhooks/dispatcher.js';
import { resolveWebhookDelivery } from './webhooks/options.js';
import { newWebhookCounters, type WebhookCounters } from './webhooks/sender.js';
import { pusherWire } from './wire.js';

/** At most one log line per URL and problem per this window. */
const WEBHOOK_LOG_INTERVAL_MS = 60_000;

/** The Pusher front for `options.pusher` (off when undefined). */
export function pusherPlugin(config: PusherOptions | undefined): FrontPlugin {
  // Counted by webhook delivery, read by /metrics; documented series, so exported even when off.
  const webhookCounters = newWebhookCounters();
  return {
    name: 'pusher',
    wires: config === undefined ? [] : [pusherWire],
    metrics: (registrar) => webhookMetrics(registrar, webhookCounters),
    start: (context) => (config === undefined ? { sockets: [], routes() {}, async close() {} } : startPusher(config, context, webhookCounters)),
  };
}

function webhookMetrics(registrar: MetricRegistrar, webhooks: WebhookCounters): void {
  registrar.counter('switchboard_pusher_webhook_events_sent_total', 'Pusher webhook events in requests the receiver answered 2xx', () => webhooks.sent);
  registrar.counter('switchboard_pusher_webhook_events_failed_total', 'Pusher webhook events given up (a 4xx answer, or failing for retryForMs)', () => webhooks.failed);
  registrar.counter('switchboard_pusher_webhook_events_dropped_total', 'Pusher webhook events never sent (queue full, or the server stopped first)', () => webhooks.dropped);
  registrar.counter('switchboard_pusher_webhook_retries_total', 'Pusher webhook requests repeated after a network error, timeout or 5xx', () => webhooks.retries);
}

/** Builds the Pusher parts on the server's core; the routes are registered by the server. */
function startPusher(config: PusherOptions, deps: FrontContext, webhookCounters: WebhookCounters): StartedFront {
  const { core, options } = deps;
  const apps = new PusherApps(config);
  const sockets = new PusherSockets();
  const presence = new PusherPresence(deps.presence, core);
  const webhooks = apps.all().some((app) => (app.webhooks ?? []).length > 0) ? createWebhooks(apps, config, webhookCounters, deps.logger) : undefined;
  const counting = apps.all().some((app) => app.subscriptionCount === true);
  const counts = counting
    ? new SubscriptionCounts({
        fanout: deps.fanout,
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
  const rules = new ChannelRules({
    core,
    publisher: deps.publisher,
    presence,
    namespaces: deps.namespaces,
    sockets,
    limits: { maxSubscriptions: options.maxSubscriptions, maxTopicBytes: options.maxTopicBytes },
    report: (error, socket) => deps.reportError(error, socket.connection),
    webhooks: webhooks?.wants('client_event') === true ? webhooks : undefined,
  });
  const front = new PusherFront({ rules, sockets, lifecycle: deps.lifecycle, traffic: deps.traffic, maxPayloadBytes: options.maxPayloadBytes, reportError: deps.reportError });
  const upgrader = createPusherUpgrader(apps, front, { ...deps.upgrade, nextId: () => sockets.nextId() });
  return {
    sockets: [{ pattern: '/app/:key', upgrader, handler: front }],
    routes(router) {
      registerPusherApi({
        router,
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
    },
    async close() {
      // After the engine closed: presence leaves of the sockets just closed have settled, so their
      // member_removed is among what the webhooks flush. Nothing is sent after this.
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
function createWebhooks(apps: PusherApps, config: PusherOptions, counters: WebhookCounters, logger: Logger): WebhookDispatcher {
  const gate = createLogThrottle<string>(WEBHOOK_LOG_INTERVAL_MS);
  return new WebhookDispatcher({
    apps: apps.all(),
    delivery: resolveWebhookDelivery(config.webhookDelivery),
    counters,
    report(url, problem, events, detail) {
      const suppressed = gate(`${problem} ${url}`);
      if (suppressed === undefined) return;
      // The URL may carry credentials (user:password@, a token in the query): log where it points only.
      const where = redact(url);
      const message = problem === 'dropped' ? 'webhook events dropped' : 'webhook delivery failed';
      logger.warn({ url: where, events, reason: detail, suppressed }, message);
    },
  });
}

function redact(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}
