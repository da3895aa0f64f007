/**
 * Which webhook events happen and who gets them. Channel and presence events concern every app
 * (apps share channels, see apps.ts); a client event only the sending socket's app;
 * `subscription_count` only apps that enable `subscriptionCount`. Each app's URLs get the types
 * they ask for.
 *
 * Removals wait (`removalDelayMs`): a `channel_vacated` or `member_removed` is held, and when the
 * channel is occupied again or the same user comes back before it is due, the held removal and the
 * new addition are both dropped, so a page reload or a reconnect is no event at all. An addition
 * is sent at once; a short visit is an addition and, after the delay, its removal.
 */
import type { PusherApp } from '../apps.js';
import type { WebhookEvent } from './events.js';
import { WEBHOOK_EVENT_TYPES, type WebhookDelivery } from './options.js';
import { WebhookSender, type WebhookCounters, type WebhookProblem } from './sender.js';

interface Route {
  app: PusherApp;
  sender: WebhookSender;
  types: ReadonlySet<string>;
}

export interface WebhookDispatcherDeps {
  apps: readonly PusherApp[];
  delivery: WebhookDelivery;
  counters: WebhookCounters;
  /** A delivery problem for one URL (the caller logs it, throttled). */
  report: (url: string, problem: WebhookProblem, events: number, detail: string) => void;
}

export class WebhookDispatcher {
  private readonly routes: Route[] = [];
  // Held removals by what they remove: `c<channel>` or `m<user>\n<channel>`.
  private readonly held = new Map<string, { event: WebhookEvent; timer: ReturnType<typeof setTimeout> }>();
  private closed = false;

  constructor(private readonly deps: WebhookDispatcherDeps) {
    for (const app of deps.apps) {
      for (const target of app.webhooks ?? []) {
        const sender = new WebhookSender({
          app,
          target,
          delivery: deps.delivery,
          counters: deps.counters,
          report: (problem, events, detail) => deps.report(target.url, problem, events, detail),
        });
        this.routes.push({ app, sender, types: new Set(target.eventTypes ?? WEBHOOK_EVENT_TYPES) });
      }
    }
  }

  /** Whether any URL wants this type (so callers skip building events nobody gets). */
  wants(type: WebhookEvent['name']): boolean {
    return this.routes.some((route) => route.types.has(type));
  }

  /** A channel's subscriber count here went from 0 to 1 (`occupied`) or to 0. */
  occupancy(channel: string, occupied: boolean): void {
    if (occupied) this.add(`c${channel}`, { name: 'channel_occupied', channel });
    else this.remove(`c${channel}`, { name: 'channel_vacated', channel });
  }

  /** A user's first connection joined a presence channel, or its last one left. */
  member(channel: string, userId: string, added: boolean): void {
    const key = `m${userId}\n${channel}`;
    if (added) this.add(key, { name: 'member_added', channel, user_id: userId });
    else this.remove(key, { name: 'member_removed', channel, user_id: userId });
  }

  /** A client event was relayed; only its sender's app hears of it. */
  clientEvent(app: PusherApp, event: Extract<WebhookEvent, { name: 'client_event' }>): void {
    this.send(event, (route) => route.app === app);
  }

  /** A channel's subscription count, for apps that count subscriptions. */
  subscriptionCount(channel: string, count: number): void {
    this.send({ name: 'subscription_count', channel, subscription_count: count }, (route) => route.app.subscriptionCount === true);
  }

  /** Sends held removals now, then flushes every URL (see sender.ts for the shutdown rule). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const [key, { event, timer }] of this.held) {
      clearTimeout(timer);
      this.held.delete(key);
      this.send(event);
    }
    await Promise.all(this.routes.map((route) => route.sender.close()));
  }

  private add(key: string, event: WebhookEvent): void {
    const held = this.held.get(key);
    if (held !== undefined) {
      // Back before the removal was due: neither happened, as far as the receiver is concerned.
      clearTimeout(held.timer);
      this.held.delete(key);
      return;
    }
    this.send(event);
  }

  private remove(key: string, event: WebhookEvent): void {
    if (this.closed || this.deps.delivery.removalDelayMs === 0) return this.send(event);
    clearTimeout(this.held.get(key)?.timer);
    const timer = setTimeout(() => {
      this.held.delete(key);
      this.send(event);
    }, this.deps.delivery.removalDelayMs);
    timer.unref();
    this.held.set(key, { event, timer });
  }

  private send(event: WebhookEvent, to: (route: Route) => boolean = () => true): void {
    for (const route of this.routes) {
      if (route.types.has(event.name) && to(route)) route.sender.push(event);
    }
  }
}
