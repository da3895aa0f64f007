/**
 * The Pusher wire format, as the topic core sees it, and the mapping between a publication's data
 * and a Pusher event (docs/pusher.md "One core"):
 *
 * - data shaped `{ event: string, data }` is that Pusher event (`data` sent as is when a string,
 *   JSON-encoded otherwise; a string `user_id` is passed along, as Pusher does for presence client
 *   events);
 * - any other data is the event `"message"` with the data JSON-encoded.
 *
 * The core encodes each publication once for this format; uWS copies the text to every Pusher
 * socket on the channel. Pusher clients read one event per WebSocket message, so the format has
 * no `join`: the core never coalesces it.
 */
import { CloseCode } from '../../../protocol/codes.js';
import { unpackValue } from '../../../protocol/msgpack-value.js';
import { Kind } from '../../../protocol/frames.js';
import type { WireFormat } from '../../core/wire-format.js';
import { PusherCode } from './codes.js';
import { encodeEvent } from './events.js';

/** The event name of a publication whose data is not `{ event, data }`. */
export const DEFAULT_EVENT = 'message';

/** The Pusher event a publication's data maps to. */
export function pusherEventOf(channel: string, data: unknown): string {
  if (typeof data === 'object' && data !== null && !Array.isArray(data)) {
    const fields = data as Record<string, unknown>;
    if (typeof fields.event === 'string' && Object.hasOwn(fields, 'data')) {
      const text = typeof fields.data === 'string' ? fields.data : JSON.stringify(fields.data);
      if (typeof fields.user_id === 'string') return JSON.stringify({ event: fields.event, channel, data: text, user_id: fields.user_id });
      return JSON.stringify({ event: fields.event, channel, data: text });
    }
  }
  return JSON.stringify({ event: DEFAULT_EVENT, channel, data: JSON.stringify(data ?? null) });
}

/** The fan-out name of Pusher sockets (a shadow name next to the native formats'). */
export const PUSHER_WIRE_NAME = 'pusher';

export const pusherWire: WireFormat = {
  name: PUSHER_WIRE_NAME,
  binary: false,
  // Decoded once per publication (not per subscriber): the text goes to every Pusher socket.
  message: (topic, _seq, payload) => pusherEventOf(topic, unpackValue(payload)),
  presence: (notice) => {
    // A member without a user id (an anonymous native client on a presence topic) is its connection.
    const userId = notice.userId ?? notice.connectionId;
    if (notice.kind === Kind.Join) {
      return encodeEvent('pusher_internal:member_added', notice.info === undefined ? { user_id: userId } : { user_id: userId, user_info: notice.info }, notice.topic);
    }
    return encodeEvent('pusher_internal:member_removed', { user_id: userId }, notice.topic);
  },
  // Pusher has no recovery: pusher-js drops `pusher_internal:` events it does not know, so the
  // notice reaches no application code but is visible in the frame log for debugging.
  gap: (topic, seq) => encodeEvent('pusher_internal:gap', { seq }, topic),
  ownPresence: true,
  // A drain (1012) or shutdown (1001) means "this server is going, another one is there": Pusher
  // says that with 4200, on which pusher-js reconnects at once instead of backing off.
  closeCode: (code) => (code === CloseCode.ServiceRestart || code === CloseCode.GoingAway ? PusherCode.Reconnect : code),
};
