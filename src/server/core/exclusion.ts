/**
 * Delivering to everyone on a topic except one connection (Pusher's `socket_id` on the HTTP API,
 * and client events, which are never echoed to their sender) without giving up native fan-out: at
 * delivery time, on the node that has the connection, the publication is handed to the transport
 * as "everyone but this socket" (uWS `ws.publish`). No per-subscriber JavaScript runs and every
 * other subscriber, native or Pusher, gets the one encoded message as usual. The socket never
 * leaves the topic: uWS drops what a socket has not been sent yet on a topic it leaves.
 *
 * It happens where the publication is delivered, not where it is published: with a distributed
 * engine (Redis) delivery comes later than `publish` and on every node, and the excluded id travels
 * with the publication (engine.ts), so the sender is left out whichever node it is on.
 */
import type { Follower } from './follower.js';

/**
 * Whether `connection` follows `topic` through native fan-out now, so one delivery can skip it
 * there. A connection still attaching (its held publications are replayed to it) or in
 * the slow lane (which sends it every publication itself) is not: it gets the publication, at
 * worst an echo, never a loss for anyone.
 */
export function excludable(connection: Follower | undefined, topic: string): connection is Follower {
  return connection !== undefined && connection.socket !== undefined && connection.topics.has(topic) && connection.lag === undefined && connection.attaching?.has(topic) !== true;
}
