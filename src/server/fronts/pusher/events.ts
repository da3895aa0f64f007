/**
 * Pusher's JSON envelopes, pure: encoding the server's events and decoding a client's message
 * into a typed event. No sockets here, so hostile-input rules are tested without a network.
 */

/** Longest event name Pusher accepts, in characters (client events and HTTP events alike). */
export const MAX_EVENT_NAME_LENGTH = 200;
/** Client events a connection may send per second (Pusher's limit); more are dropped with 4301. */
export const CLIENT_EVENTS_PER_SECOND = 10;

/** One Pusher event as it travels (`data` is a JSON string on server events, as Pusher sends it). */
export interface PusherEvent {
  event: string;
  channel?: string;
  data?: unknown;
  user_id?: string;
}

/** Encodes a server event; `data` that is not already a string is JSON-encoded (Pusher sends strings). */
export function encodeEvent(event: string, data: unknown, channel?: string): string {
  const text = typeof data === 'string' ? data : JSON.stringify(data ?? {});
  return channel === undefined ? JSON.stringify({ event, data: text }) : JSON.stringify({ event, channel, data: text });
}

/** A `pusher:error` event: `code` null where Pusher documents none. */
export function errorEvent(code: number | null, message: string): string {
  // pusher:error carries its data as an object (pusher-js reads data.code directly).
  return JSON.stringify({ event: 'pusher:error', data: { code, message } });
}

/** A `pusher:subscription_error` for one channel. */
export function subscriptionError(channel: string, type: string, error: string, status: number): string {
  return JSON.stringify({ event: 'pusher:subscription_error', channel, data: { type, error, status } });
}

/** What a client may send. */
export type ClientEvent =
  | { kind: 'subscribe'; channel: string; auth: string | undefined; channelData: string | undefined }
  | { kind: 'unsubscribe'; channel: string }
  | { kind: 'ping' }
  | { kind: 'signin'; auth: string; userData: string }
  | { kind: 'client'; event: string; channel: string; data: unknown };

/** Why a message could not be decoded: the text of the `pusher:error` the client gets. */
export class PusherInputError extends Error {}

/** Decodes one client message. @throws PusherInputError for anything that is not a known, well-formed event. */
export function decodeClientEvent(text: string): ClientEvent {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new PusherInputError('Invalid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new PusherInputError('Event must be a JSON object');
  const message = value as Record<string, unknown>;
  if (typeof message.event !== 'string') throw new PusherInputError('Event name must be a string');
  // pusher-js sends `data` as an object; other clients send it as a JSON string.
  const data = typeof message.data === 'string' && message.event.startsWith('pusher:') ? parseMaybe(message.data) : message.data;
  const fields = typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
  switch (message.event) {
    case 'pusher:ping':
      return { kind: 'ping' };
    case 'pusher:subscribe':
    case 'pusher:unsubscribe': {
      if (typeof fields.channel !== 'string') throw new PusherInputError('"channel" must be a string');
      if (message.event === 'pusher:unsubscribe') return { kind: 'unsubscribe', channel: fields.channel };
      return { kind: 'subscribe', channel: fields.channel, auth: optionalString(fields.auth, 'auth'), channelData: optionalString(fields.channel_data, 'channel_data') };
    }
    case 'pusher:signin': {
      if (typeof fields.auth !== 'string' || typeof fields.user_data !== 'string') throw new PusherInputError('"auth" and "user_data" must be strings');
      return { kind: 'signin', auth: fields.auth, userData: fields.user_data };
    }
    default:
      if (message.event.startsWith('client-')) {
        // Pusher's limit: names are relayed to every subscriber, so an unbounded one is an amplifier.
        if (message.event.length > MAX_EVENT_NAME_LENGTH) throw new PusherInputError(`Event name too long: at most ${MAX_EVENT_NAME_LENGTH} characters`);
        if (typeof message.channel !== 'string') throw new PusherInputError('A client event needs a "channel"');
        return { kind: 'client', event: message.event, channel: message.channel, data: message.data };
      }
      throw new PusherInputError(`Unsupported event "${message.event.slice(0, 64)}"`);
  }
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new PusherInputError(`"${name}" must be a string`);
  return value;
}

function parseMaybe(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
