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
 * - **Every delivery enters the core through one door**: `sink.deliver(topic, epoch, seq, payload)`,
 *   exactly once per publication and started engine, in seq order per topic, whether the
 *   publication was made here or on another node. The core never delivers on its own.
 * - The packed payload (the publication's data, msgpack-encoded once) is the unit that crosses the
 *   engine, so a distributed engine carries the same bytes between processes.
 */
import type { PresenceInfo, JoinFrame, LeaveFrame } from '../../protocol/frames.js';
import type { HistoryLimits } from '../config/namespaces.js';
import type { HistoryStore, MaybePromise } from './history.js';

/** Where an engine delivers. Implemented by the topic core. */
export interface EngineSink {
  /** The one door for publications: in seq order per topic, exactly once each. */
  deliver(topic: string, epoch: string, seq: number, payload: Uint8Array): void;
  /** Whether this node has subscribers on `topic` (memory pressure must not forget such a topic's stream). */
  isActive(topic: string): boolean;
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

/** Who is on each presence-enabled topic, counted by user. */
export interface PresenceStore {
  /** Records a subscription; returns the Join to announce when it is the user's first connection there. */
  join(topic: string, subject: PresenceSubject): JoinFrame | undefined;
  /** Records an unsubscription or close; returns the Leave to announce when it was the user's last connection there. */
  leave(topic: string, subject: PresenceSubject): LeaveFrame | undefined;
  /** Members and counts of a topic (zeros for a topic nobody is on). */
  info(topic: string, limit?: number): PresenceInfo;
}

export interface Engine {
  /** Called once before the server listens; from then on publications reach `sink.deliver`. */
  start(sink: EngineSink): MaybePromise<void>;
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
