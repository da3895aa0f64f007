/**
 * The core's view of a follower: everything the topic core, the slow lane, pending attaches and
 * exclusions read or write on a socket that follows topics. The connection layer implements it
 * (connection/connection.ts) with fields of its own, so following costs no object per connection
 * and the core never names the layer above it.
 */
import type { PresenceSubject } from '../engine/engine.js';
import type { SocketLike } from '../transport/socket.js';
import type { WireFormat } from './wire-format.js';

/**
 * A follower in the slow lane (it fell behind): the transport no longer fans out to it; the lane
 * records, per topic, the last skipped seq (`drop`) or the newest publication (`conflate`), and
 * the last resync (the Gap with an epoch that native followers got meanwhile).
 */
export interface Lag {
  readonly skipped: Map<string, number>;
  readonly newest: Map<string, { seq: number; payload: Uint8Array }>;
  readonly resynced: Map<string, { epoch: string; seq: number }>;
}

/**
 * The topics one follower follows, changed only by the core. A `Set<string>` would do; the
 * connection layer keeps a smaller one (connection/topic-set.ts).
 */
export interface FollowedTopics extends Iterable<string> {
  readonly size: number;
  has(topic: string): boolean;
  add(topic: string): unknown;
  delete(topic: string): boolean;
  clear(): void;
}

/** One socket following topics, as the core sees it. Presence stores know it by id, user and claims. */
export interface Follower extends PresenceSubject {
  /** The live socket between open and close; undefined before open and after close. */
  readonly socket: SocketLike | undefined;
  /** True once the socket closed: the core then sends it nothing more. */
  readonly closed: boolean;
  /** Topics it follows, whatever their delivery path (native fan-out, attaching, slow lane). */
  readonly topics: FollowedTopics;
  /** Topics whose subscription waits for an async history read (not yet in native fan-out); written by the core. */
  attaching: Set<string> | undefined;
  /** Set while it is in the slow lane (slow-consumers.ts); written by the core. */
  lag: Lag | undefined;
  /** The wire format it follows topics in (the core's fan-out unit). */
  readonly wire: WireFormat;
  /** Bytes queued in the transport for its socket, waiting for the peer to read them. */
  readonly bufferedAmount: number;
  /** Sends one publication in its wire format; false when closed or dropped. */
  sendPublication(topic: string, seq: number, payload: Uint8Array): boolean;
  /**
   * Sends a message already encoded in its wire format (`wire.message`, built once for many
   * followers of one format); false when closed or dropped.
   */
  sendEncoded(message: Uint8Array | string): boolean;
  /** Tells it that it may have missed publications of `topic` up to `seq` (of `epoch`, when given). */
  sendGap(topic: string, seq: number, epoch?: string): boolean;
  /** Runs `fn` corked (one syscall for everything it sends); does nothing once closed. */
  corked(fn: () => void): void;
  /** Closes its socket with a close code and a short reason. */
  close(code: number, reason: string): void;
}
