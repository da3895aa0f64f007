/**
 * What a Pusher socket may do with channels: subscribe (public by namespace rule, private and
 * presence by the app's signature), unsubscribe, send client events, sign in. Every refusal is a
 * Pusher event to this socket only; nothing here throws to the transport.
 */
import { SwitchboardError } from '../../../protocol/errors.js';
import type { Namespaces } from '../../namespaces/namespaces.js';
import type { Publisher } from '../../core/publisher.js';
import type { TopicCore } from '../../core/topic-core.js';
import { ChannelKind, channelKind, channelProblem, needsAuth } from './channels.js';
import { takeFromDue } from '../../connection/rate-limit.js';
import { PusherCode } from './codes.js';
import { CLIENT_EVENTS_PER_SECOND, encodeEvent, errorEvent, subscriptionError, type ClientEvent } from './events.js';
import { memberOf, type PusherPresence } from './presence.js';
import { channelAuthText, signinText, verifyAuth } from './signature.js';
import type { PusherSocket, PusherSockets } from './sockets.js';
import { SubscriptionCounts, subscriptionCountEvent } from './subscription-counts.js';
import type { WebhookDispatcher } from './webhooks/dispatcher.js';

/** Pusher's own text for a client event over the connection's limit of 10 a second. */
export const CLIENT_EVENT_RATE_LIMITED = `Client event rejected - only ${CLIENT_EVENTS_PER_SECOND} accepted per second`;

/** Pusher's own text for client events on an app that has them off. */
export const CLIENT_EVENTS_OFF = 'To send client events, you must enable this feature in the Settings page of your dashboard.';

export interface ChannelRulesDeps {
  core: TopicCore;
  publisher: Publisher;
  presence: PusherPresence;
  namespaces: Namespaces;
  sockets: PusherSockets;
  limits: { maxSubscriptions: number; maxTopicBytes: number };
  /** Reports a failure that is not the client's fault (a store that failed). */
  report: (error: Error, socket: PusherSocket) => void;
  /** Where relayed client events are reported, when some app has webhooks. */
  webhooks?: WebhookDispatcher;
}

export class ChannelRules {
  constructor(private readonly deps: ChannelRulesDeps) {}

  /** Handles one decoded client event. */
  handle(socket: PusherSocket, event: ClientEvent): void {
    switch (event.kind) {
      case 'ping':
        return send(socket, JSON.stringify({ event: 'pusher:pong', data: {} }));
      case 'subscribe':
        return void this.subscribe(socket, event);
      case 'unsubscribe':
        return this.unsubscribe(socket, event.channel);
      case 'client':
        return this.clientEvent(socket, event);
      case 'signin':
        return this.signin(socket, event);
      default: {
        const unreachable: never = event;
        throw new Error(`unknown client event ${String(unreachable)}`);
      }
    }
  }

  /** The socket closed: its presence memberships end (the core has already dropped its subscriptions). */
  closed(socket: PusherSocket): void {
    for (const [channel, subject] of socket.members) this.leavePresence(socket, channel, subject);
    socket.members.clear();
  }

  private async subscribe(socket: PusherSocket, event: Extract<ClientEvent, { kind: 'subscribe' }>): Promise<void> {
    const { core, namespaces, limits } = this.deps;
    const { connection } = socket;
    const channel = event.channel;
    const problem = channelProblem(channel, limits.maxTopicBytes);
    if (problem !== null) return send(socket, subscriptionError(channel.slice(0, 164), 'InvalidChannel', problem, 400));
    const kind = channelKind(channel);
    if (!connection.topics.has(channel) && connection.topics.size >= limits.maxSubscriptions) {
      return send(socket, subscriptionError(channel, 'LimitReached', `at most ${limits.maxSubscriptions} channels per connection`, 429));
    }
    if (needsAuth(kind)) {
      const text = channelAuthText(connection.id, channel, kind === ChannelKind.Presence ? event.channelData : undefined);
      if (event.auth === undefined || !verifyAuth(event.auth, socket.app, text)) {
        return send(socket, subscriptionError(channel, 'AuthError', 'Invalid signature', 401));
      }
    } else if (namespaces.match(channel).subscribe !== 'anyone') {
      // A Pusher socket is anonymous: a public channel is open only where anyone may subscribe
      // (the built-in `user:` namespace, for one, is not).
      return send(socket, subscriptionError(channel, 'AuthError', 'subscribing to this channel is not allowed', 403));
    }
    try {
      if (kind === ChannelKind.Presence) {
        const subject = memberOf(connection.id, event.channelData);
        if (typeof subject === 'string') return send(socket, subscriptionError(channel, 'AuthError', subject, 400));
        if (!socket.members.has(channel)) {
          socket.members.set(channel, subject);
          // Joined and announced before the socket follows the channel: it never sees its own member_added.
          await this.deps.presence.join(channel, subject);
        }
      }
      await core.subscribe(connection, [channel]);
      const data = kind === ChannelKind.Presence ? { presence: await this.deps.presence.data(channel) } : {};
      connection.corked(() => {
        send(socket, encodeEvent('pusher_internal:subscription_succeeded', data, channel));
        // The count went out to the channel before this socket was on it: it gets its own.
        if (socket.app.subscriptionCount === true && SubscriptionCounts.counts(channel)) send(socket, subscriptionCountEvent(channel, core.subscriberCount(channel)));
      });
    } catch (err) {
      const subject = socket.members.get(channel);
      if (subject !== undefined) this.leavePresence(socket, channel, subject);
      socket.members.delete(channel);
      if (!(err instanceof SwitchboardError)) this.deps.report(err as Error, socket);
      connection.corked(() => send(socket, subscriptionError(channel, 'ServerError', err instanceof SwitchboardError ? err.message : 'internal error', 500)));
    }
    // Closed meanwhile: the close already left the memberships it knew; this one may have come after.
    if (connection.closed) this.closed(socket);
  }

  private unsubscribe(socket: PusherSocket, channel: string): void {
    this.deps.core.unsubscribe(socket.connection, [channel]);
    const subject = socket.members.get(channel);
    if (subject === undefined) return;
    socket.members.delete(channel);
    this.leavePresence(socket, channel, subject);
  }

  private clientEvent(socket: PusherSocket, event: Extract<ClientEvent, { kind: 'client' }>): void {
    const { connection, app } = socket;
    if (app.clientEvents !== true) return send(socket, errorEvent(null, CLIENT_EVENTS_OFF));
    // Pusher's per-connection limit, as Pusher applies it: the event is dropped, the socket told
    // and kept (the connection's message rate limit, which closes, is far higher).
    const due = takeFromDue(socket.clientEventsDue, 1, CLIENT_EVENTS_PER_SECOND, CLIENT_EVENTS_PER_SECOND);
    if (due < 0) return send(socket, errorEvent(PusherCode.ClientEventRateLimit, CLIENT_EVENT_RATE_LIMITED));
    socket.clientEventsDue = due;
    const kind = channelKind(event.channel);
    if (kind !== ChannelKind.Private && kind !== ChannelKind.Presence) {
      return send(socket, errorEvent(null, 'Client events are only supported on private and presence channels'));
    }
    if (!connection.topics.has(event.channel)) return send(socket, errorEvent(null, `Not subscribed to ${event.channel.slice(0, 164)}`));
    const userId = socket.members.get(event.channel)?.userId ?? undefined;
    const data = userId === undefined ? { event: event.event, data: event.data ?? null } : { event: event.event, data: event.data ?? null, user_id: userId };
    const relayed = () => this.deps.webhooks?.clientEvent(app, { name: 'client_event', channel: event.channel, event: event.event, data: typeof event.data === 'string' ? event.data : JSON.stringify(event.data ?? null), socket_id: connection.id, ...(userId === undefined ? {} : { user_id: userId }) });
    try {
      // Never echoed to the sender, on whichever node the event is delivered.
      const result = this.deps.publisher.publish(event.channel, data, { fromClient: true, exclude: connection.id });
      if (result instanceof Promise) result.then(relayed, (err: unknown) => connection.corked(() => send(socket, errorEvent(null, publishFailure(err)))));
      else relayed();
    } catch (err) {
      send(socket, errorEvent(null, publishFailure(err)));
    }
  }

  private signin(socket: PusherSocket, event: Extract<ClientEvent, { kind: 'signin' }>): void {
    if (!verifyAuth(event.auth, socket.app, signinText(socket.connection.id, event.userData))) {
      return send(socket, errorEvent(4009, 'Invalid signature'));
    }
    let user: unknown;
    try {
      user = JSON.parse(event.userData);
    } catch {
      user = undefined;
    }
    const id = typeof user === 'object' && user !== null ? (user as Record<string, unknown>).id : undefined;
    if (typeof id !== 'string' || id === '') return send(socket, errorEvent(4009, 'user_data must be a JSON object with a string "id"'));
    this.deps.sockets.signIn(socket, id);
    send(socket, encodeEvent('pusher:signin_success', { user_data: event.userData }));
  }

  private leavePresence(socket: PusherSocket, channel: string, subject: Parameters<PusherPresence['leave']>[1]): void {
    this.deps.presence.leave(channel, subject).catch((err: unknown) => this.deps.report(err as Error, socket));
  }
}

function send(socket: PusherSocket, text: string): void {
  socket.connection.socket?.send(text, false);
}

function publishFailure(err: unknown): string {
  return err instanceof SwitchboardError ? err.message : 'the event could not be published';
}
