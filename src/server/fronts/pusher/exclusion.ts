/**
 * Publishing to everyone on a channel except one socket (Pusher's `socket_id` on the HTTP API,
 * and client events, which are never echoed to their sender) without giving up native fan-out:
 * the socket leaves the channel's fan-out, the publication goes through the one door, and the
 * socket rejoins. No per-subscriber JavaScript runs and every other subscriber, native or Pusher,
 * gets the one encoded message as usual.
 *
 * This is exact when the engine delivers inside `publish` (the in-memory engine, the default):
 * the publication has reached uWS before the socket rejoins. With an engine that delivers later
 * (Redis), the excluded socket may receive its own event (docs/pusher.md, differences).
 */
import type { Connection } from '../../connection/connection.js';
import type { TopicCore } from '../../core/topic-core.js';

/** Runs `publish` with `connection` (if any) out of `topic`'s native fan-out. */
export function publishExcept<R>(core: TopicCore, connection: Connection | undefined, topic: string, publish: () => R): R {
  // Only a socket on native fan-out for the topic can be taken out of it; one still attaching or
  // in the slow lane is left alone (it gets the event: never lose, at worst echo).
  if (connection === undefined || connection.socket === undefined || !connection.topics.has(topic) || connection.lag !== undefined || connection.attaching?.has(topic) === true) {
    return publish();
  }
  core.detachNative(connection, topic);
  try {
    return publish();
  } finally {
    core.attachNative(connection, topic);
  }
}
