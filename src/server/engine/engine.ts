/**
 * The engine seam: where publications get their place in a topic's stream, are retained for
 * recovery, and come back to be delivered; plus who is on presence topics. The in-memory engine
 * (memory-engine.ts) serves one process; a distributed engine (Redis) implements the same contract
 * so that many processes share topics. Every engine runs test/engine/engine.cases.ts.
 *
 * The contract:
 * - **The engine alone assigns `(epoch, seq)`.** A topic's first publication of an epoch gets seq 1,
 *   each next one seq + 1. The epoch is an opaque string that changes only when the engine lost the
 *   topic's stream (restart of a memory engine, eviction, a store that lost its data).
 * - **Every delivery enters the core through one door**: `sink.deliver(topic, epoch, seq, payload,
 *   exclude)`, exactly once per publication and started engine, in seq order per topic, whether the
 *   publication was made here or on another node. The core never delivers on its own.
 * - **An excluded connection travels with the publication**: `publish(..., { exclude })` reaches
 *   `deliver` on every node with the same `exclude` when the publication is delivered live, so the
 *   node that has that connection leaves it out (a Pusher `socket_id`, wherever the socket is). A
 *   publication delivered from retained history (a distributed engine's fill) may come without it:
 *   at worst the excluded connection gets its own publication, never does anyone else lose one.
 * - The packed payload (the publication's data, msgpack-encoded once) is the unit that crosses the
 *   engine, so a distributed engine carries the same bytes between processes. **Tags travel with
 *   it** (`PublishOptions.tags`): to `deliver` on every node, live or from history, and in every
 *   retained publication (`Publication.tags`).
 * - **Strangers create nothing**: a topic exists only once published. Reading or following a
 *   topic without a stream answers seq 0 (history.ts `top`) and retains no state for it.
 * - **The first epoch is known or announced**: a topic without a stream answers either the epoch
 *   its first publication will get (memory), or the empty epoch `''` (Redis: any node may publish
 *   first); then `sink.resync(topic, epoch, 0)` announces the real epoch before seq 1 is
 *   delivered, and followers at the empty position adopt it (docs/protocol.md §5.1).
 * - **Lost continuity is never silent**: when an engine cannot deliver every publication of a topic
 *   (its stream restarted under a new epoch, or a gap outlived history), it calls `sink.resync`
 *   before delivering what it still has, so the core tells that topic's followers.
 * - **Followed topics**: the core calls `follow(topic)` when the first connection of this node
 *   subscribes to a topic and `unfollow(topic)` when the last one leaves. An engine that feeds
 *   nodes per topic subscribes there; a history read (`top`/`read`) of a followed topic must
 *   answer only once every publication after the position it answers will reach `deliver`, so the
 *   core's hold-and-merge stays exact. The memory engine has nothing to do and omits them.
 */
import type { PresenceInfo, JoinFrame, LeaveFrame } from '../../protocol/frames.js';
import type { Tags } from '../../protocol/tags.js';
import type { HistoryLimits } from '../namespaces/namespaces.js';
import type { HistoryStore, MaybePromise } from './history.js';

/** Where an engine delivers. Implemented by the topic core. */
export interface EngineSink {
  /**
   * The one door for publications: in seq order per topic, exactly once each. `exclude` is the id
   * of a connection (on any node) that must not get this publication (`PublishOptions.exclude`);
   * `tags` are the publication's (`PublishOptions.tags`), live or from history alike.
   */
  deliver(topic: string, epoch: string, seq: number, payload: Uint8Array, exclude?: string, tags?: Tags): void;
  /** Whether this node has subscribers on `topic` (memory pressure must not forget such a topic's stream). */
  isActive(topic: string): boolean;
  /**
   * Publications of `topic` up to `(epoch, seq)` may never reach `deliver` on this node (its stream
   * restarted, or a gap is older than history): followers must recover or learn they cannot.
   * Called before the publications after it are delivered. Optional for sinks that cannot act on it.
   */
  resync?(topic: string, epoch: string, seq: number): void;
  /** A Join or Leave to send to the topic's followers here, for stores that announce themselves (`PresenceStore.announces`). */
  announce?(notice: JoinFrame | LeaveFrame): void;
}

/** How one publication is made. */
export interface PublishOptions {
  /** Retention for recovery (the namespace's history), or false for none. */
  retain: HistoryLimits | false;
  /**
   * A key already used on this topic within the engine's idempotency window makes the publish a
   * no-op that answers the first publication's seq (`duplicate: true`).
   */
  idempotencyKey?: string;
  /**
   * The id of a connection, on this node or another, that does not get this publication live (its
   * sender): carried to `sink.deliver` on every node. History keeps the publication for everyone.
   */
  exclude?: string;
  /**
   * The publication's tags (docs/protocol.md §5.6): carried to `sink.deliver` on every node and
   * retained with it in history, so filtered subscriptions see the same set live and in recovery.
   */
  tags?: Tags;
}

/** The outcome of a publish. */
export interface PublishResult {
  /** The topic sequence number of the publication (of the first one, for a duplicate). */
  seq: number;
  /** True when the idempotency key was seen before and nothing was published this time. */
  duplicate: boolean;
}

/** What a presence store needs to know about a connection. */
export interface PresenceSubject {
  readonly id: string;
  readonly userId: string | null;
  readonly claims: Readonly<Record<string, unknown>>;
}

/**
 * Who is on each presence-enabled topic, counted by user. Answers may be asynchronous (a shared
 * store is a round trip away); the in-memory registry answers synchronously.
 */
export interface PresenceStore {
  /** Records a subscription; returns the Join to announce when it is the user's first connection there. */
  join(topic: string, subject: PresenceSubject): MaybePromise<JoinFrame | undefined>;
  /** Records an unsubscription or close; returns the Leave to announce when it was the user's last connection there. */
  leave(topic: string, subject: PresenceSubject): MaybePromise<LeaveFrame | undefined>;
  /** Members and counts of a topic (zeros for a topic nobody is on). */
  info(topic: string, limit?: number): MaybePromise<PresenceInfo>;
  /**
   * True when the store delivers every Join and Leave itself, through `EngineSink.announce` on every
   * node (a shared store: the notice must reach followers on other nodes too). The caller then
   * does not send the returned notice. @default false
   */
  readonly announces?: boolean;
}

/** A command for a user's connections, run on every node of a cluster (the HTTP control API). */
export type UserCommand =
  | { op: 'subscribe' | 'unsubscribe'; userId: string; topics: readonly string[] }
  | { op: 'disconnect'; userId: string; code: number; reason: string };

/** Runs user commands on every node (optional: a single-process engine has no other node). */
export interface ClusterControl {
  /** Registers how this node runs a command on its own connections (returns how many it applied to). */
  onCommand(run: (command: UserCommand) => number): void;
  /** Runs a command on every node; resolves with the connections it applied to, all nodes together. */
  run(command: UserCommand): Promise<number>;
}

export interface Engine {
  /** Called once before the server listens; from then on publications reach `sink.deliver`. */
  start(sink: EngineSink): MaybePromise<void>;
  /** The first connection of this node subscribed to `topic` (see the contract above). */
  follow?(topic: string): void;
  /** The last connection of this node left `topic`. */
  unfollow?(topic: string): void;
  /** Whether the engine can publish now (`/readyz`). Absent: always ready. */
  ready?(): boolean;
  /** Reaches users' connections on every node, when the engine spans several. */
  readonly cluster?: ClusterControl;
  /**
   * Sequences a publication, retains it, and arranges for its delivery on every node. Resolves
   * (or returns, for a synchronous engine) its seq. Rejects when the publication was not made.
   */
  publish(topic: string, payload: Uint8Array, options: PublishOptions): MaybePromise<PublishResult>;
  /** Topic epochs, sequence numbers and retained publications, for recovery and the history API. */
  readonly history: Omit<HistoryStore, 'append' | 'setActiveCheck'>;
  /** Presence state. */
  readonly presence: PresenceStore;
  /** Stops delivering and frees resources. */
  close(): MaybePromise<void>;
}
