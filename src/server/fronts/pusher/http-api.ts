/**
 * The Pusher HTTP API (`/apps/:appId/...`) on the server's one port: trigger events (one channel,
 * up to 100, or a batch), channel and presence queries, and terminating a signed-in user's
 * sockets. Events go through the same Publisher as `/api/publish` (one core): native data
 * `{ event, data }`, the same history seqs and metrics. See docs/pusher.md.
 */
import type { ClientAddressResolver } from '../../connection/client-address.js';
import type { Publisher } from '../../core/publisher.js';
import type { TopicCore } from '../../core/topic-core.js';
import type { TrafficCounters } from '../../connection/traffic.js';
import type { PusherApps } from './apps.js';
import { ChannelKind, channelKind, channelProblem } from './channels.js';
import { PusherCode } from './codes.js';
import type { PusherPresence } from './presence.js';
import type { PusherSockets } from './sockets.js';
import type { HttpRouter } from '../../transport/http.js';
import { createPusherGuard, PusherHttpError } from './http-guard.js';

/** Most channels one event may name (Pusher's limit). */
export const MAX_EVENT_CHANNELS = 100;
/** Most events in one batch (Pusher's limit). */
export const MAX_BATCH_EVENTS = 10;
/** Longest event name (Pusher's limit). */
export const MAX_EVENT_NAME = 200;
/** What `info` may ask of the channels an event went to. */
export const EVENT_INFO = ['subscription_count', 'user_count'] as const;

export interface PusherApiDeps {
  router: HttpRouter;
  apps: PusherApps;
  core: TopicCore;
  publisher: Publisher;
  presence: PusherPresence;
  sockets: PusherSockets;
  traffic: TrafficCounters;
  maxBodyBytes: number;
  maxTopicBytes: number;
  requestsPerSecond: number;
  /** The client address behind trusted proxies (unauthenticated requests are limited per address). */
  clientAddress: ClientAddressResolver;
  onUnexpected: (error: Error) => void;
}

/** One event as the API takes it. */
interface EventRequest {
  name: string;
  data: string;
  channels: string[];
  socketId: string | undefined;
  /** Attributes to answer for each channel (`info`); empty: answer nothing. */
  info: Set<string>;
}

/** Registers the Pusher routes (before the server's catch-all 404). */
export function registerPusherApi(deps: PusherApiDeps): void {
  const { router, core, publisher, presence, sockets, traffic } = deps;
  const signed = createPusherGuard({ apps: deps.apps, maxBodyBytes: deps.maxBodyBytes, requestsPerSecond: deps.requestsPerSecond, clientAddress: deps.clientAddress, traffic, onUnexpected: deps.onUnexpected });
  const bad = (message: string) => new PusherHttpError('400 Bad Request', message);
  const json = (body: unknown) => JSON.stringify(body);

  const readEvent = (value: unknown, where: string): EventRequest => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(`${where} must be a JSON object`);
    const body = value as Record<string, unknown>;
    if (typeof body.name !== 'string' || body.name === '' || body.name.length > MAX_EVENT_NAME) throw bad(`${where}.name must be a string of 1 to ${MAX_EVENT_NAME} characters`);
    if (typeof body.data !== 'string') throw bad(`${where}.data must be a string (JSON-encode objects)`);
    const channels = body.channels !== undefined ? body.channels : body.channel !== undefined ? [body.channel] : undefined;
    if (!Array.isArray(channels) || channels.length === 0 || channels.some((channel) => typeof channel !== 'string')) throw bad(`${where} needs "channel" or a non-empty "channels" array of strings`);
    if (channels.length > MAX_EVENT_CHANNELS) throw bad(`${where}.channels may name at most ${MAX_EVENT_CHANNELS} channels`);
    for (const channel of channels as string[]) {
      const problem = channelProblem(channel, deps.maxTopicBytes);
      if (problem !== null) throw bad(`${where}: ${problem}`);
    }
    if (body.socket_id !== undefined && (typeof body.socket_id !== 'string' || !/^\d+\.\d+$/.test(body.socket_id))) throw bad(`${where}.socket_id must look like 123.456`);
    if (body.info !== undefined && typeof body.info !== 'string') throw bad(`${where}.info must be a comma-separated string`);
    const info = infoList(body.info ?? '');
    for (const field of info) if (!(EVENT_INFO as readonly string[]).includes(field)) throw bad(`${where}.info may list ${EVENT_INFO.join(', ')}`);
    return { name: body.name, data: body.data, channels: channels as string[], socketId: body.socket_id as string | undefined, info };
  };

  /**
   * A channel's `info` attributes after an event reached it, as Pusher answers them: `user_count`
   * only for presence channels, so a multi-channel event can ask for it without failing on the others.
   */
  const channelInfo = async (channel: string, info: ReadonlySet<string>): Promise<Record<string, number>> => {
    const attributes: Record<string, number> = {};
    if (info.has('subscription_count')) attributes.subscription_count = core.subscriberCount(channel);
    if (info.has('user_count') && channelKind(channel) === ChannelKind.Presence) attributes.user_count = await presence.users(channel);
    return attributes;
  };

  // All events are checked before any is published, so a bad batch publishes nothing.
  const trigger = async (events: EventRequest[]): Promise<void> => {
    const results: Array<Promise<unknown> | unknown> = [];
    for (const event of events) {
      // The socket may be on any node: the id travels with the publication to wherever it is.
      const request = event.socketId === undefined ? undefined : { exclude: event.socketId };
      for (const channel of event.channels) {
        results.push(publisher.publish(channel, { event: event.name, data: event.data }, request));
        traffic.httpPublishes++;
      }
    }
    await Promise.all(results);
  };

  const parse = (body: Buffer): unknown => {
    try {
      return JSON.parse(body.toString('utf8'));
    } catch {
      throw bad('Body is not valid JSON');
    }
  };

  router.post('/apps/:appId/events', signed(async (exchange, request) => {
    const event = readEvent(parse(request.body), 'body');
    await trigger([event]);
    if (event.info.size === 0) return exchange.send('200 OK', 'application/json', json({}));
    const channels: Record<string, Record<string, number>> = {};
    for (const channel of new Set(event.channels)) channels[channel] = await channelInfo(channel, event.info);
    exchange.send('200 OK', 'application/json', json({ channels }));
  }));

  router.post('/apps/:appId/batch_events', signed(async (exchange, request) => {
    const body = parse(request.body) as { batch?: unknown };
    const batch = typeof body === 'object' && body !== null ? body.batch : undefined;
    if (!Array.isArray(batch) || batch.length === 0 || batch.length > MAX_BATCH_EVENTS) throw bad(`"batch" must be an array of 1 to ${MAX_BATCH_EVENTS} events`);
    const events = batch.map((event, i) => readEvent(event, `batch[${i}]`));
    await trigger(events);
    // One entry per event, for its (first) channel: a batch event names one channel in Pusher's API.
    const answers = await Promise.all(events.map((event) => channelInfo(event.channels[0]!, event.info)));
    exchange.send('200 OK', 'application/json', json({ batch: answers }));
  }));

  router.get('/apps/:appId/channels', signed(async (exchange, request) => {
    const prefix = request.query.get('filter_by_prefix') ?? '';
    const info = infoFields(request.query);
    if (info.has('user_count') && !prefix.startsWith('presence-')) throw bad('info=user_count needs filter_by_prefix=presence-');
    const channels: Record<string, Record<string, number>> = {};
    for (const topic of [...core.followedTopics()]) {
      if (!topic.startsWith(prefix) || channelProblem(topic, deps.maxTopicBytes) !== null) continue;
      channels[topic] = info.has('user_count') ? { user_count: await presence.users(topic) } : {};
    }
    exchange.send('200 OK', 'application/json', json({ channels }));
  }));

  router.get('/apps/:appId/channels/:channel', signed(async (exchange, request) => {
    const channel = request.parameters[0]!;
    const problem = channelProblem(channel, deps.maxTopicBytes);
    if (problem !== null) throw bad(problem);
    const info = infoFields(request.query);
    const subscriptions = core.subscriberCount(channel);
    const answer: Record<string, unknown> = { occupied: subscriptions > 0 };
    if (info.has('user_count')) {
      if (channelKind(channel) !== ChannelKind.Presence) throw bad('user_count is only for presence channels');
      answer.user_count = await presence.users(channel);
    }
    if (info.has('subscription_count')) answer.subscription_count = subscriptions;
    exchange.send('200 OK', 'application/json', json(answer));
  }));

  router.get('/apps/:appId/channels/:channel/users', signed(async (exchange, request) => {
    const channel = request.parameters[0]!;
    if (channelProblem(channel, deps.maxTopicBytes) !== null || channelKind(channel) !== ChannelKind.Presence) throw bad('users are only listed for presence channels');
    const ids = await presence.userIds(channel);
    exchange.send('200 OK', 'application/json', json({ users: ids.map((id) => ({ id })) }));
  }));

  router.post('/apps/:appId/users/:userId/terminate_connections', signed((exchange, request) => {
    for (const socket of sockets.ofUser(request.parameters[0]!)) {
      if (socket.app === request.app) socket.connection.close(PusherCode.Unauthorized, 'Connection terminated by the app');
    }
    exchange.send('200 OK', 'application/json', json({}));
  }));
}

/** The `info` query parameter's comma-separated attributes. */
function infoFields(query: URLSearchParams): Set<string> {
  return infoList(query.get('info') ?? '');
}

function infoList(text: string): Set<string> {
  return new Set(text.split(',').map((field) => field.trim()).filter((field) => field !== ''));
}
