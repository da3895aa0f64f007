/**
 * The in-memory engine: one process. Sequencing, retention and delivery all happen synchronously
 * in the publisher's call stack, so the whole publish path stays in one tick and, over the default
 * MemoryHistoryStore, a subscriber's replay can never interleave with a live publication.
 */
import type { Tags } from '../../protocol/tags.js';
import type { HistoryLimits } from '../namespaces/namespaces.js';
import type { Engine, EngineSink, PublishOptions, PublishResult } from './engine.js';
import type { MaybePromise, SyncAppendHistoryStore } from './history.js';
import { IdempotencyCache } from './idempotency.js';
import { MemoryHistoryStore, type MemoryHistoryOptions } from './memory-history.js';
import { PresenceRegistry } from './presence.js';

/** Settings of the in-memory engine. */
export interface MemoryEngineOptions {
  /** History options for a new MemoryHistoryStore. @default MemoryHistoryStore's defaults */
  history?: Partial<MemoryHistoryOptions>;
  /** Sequence and retain in another synchronous-append store instead (reads may be async). */
  store?: SyncAppendHistoryStore;
  /** How long an idempotency key is remembered, in ms. @default 300000 (5 min) */
  idempotencyWindowMs?: number;
  /** Most idempotency keys remembered, all topics together. @default 100000 */
  maxIdempotencyKeys?: number;
}

export class MemoryEngine<Store extends SyncAppendHistoryStore = MemoryHistoryStore> implements Engine {
  readonly history: Store;
  readonly presence = new PresenceRegistry();
  private readonly idempotency: IdempotencyCache;
  private sink: EngineSink | undefined;

  constructor(options: MemoryEngineOptions = {}) {
    this.history = (options.store ?? new MemoryHistoryStore(options.history)) as Store;
    this.idempotency = new IdempotencyCache(options.idempotencyWindowMs ?? 5 * 60_000, options.maxIdempotencyKeys ?? 100_000);
  }

  start(sink: EngineSink): void {
    this.sink = sink;
    this.history.setActiveCheck(sink.isActive);
  }

  publish(topic: string, payload: Uint8Array, options: PublishOptions): PublishResult | Promise<PublishResult> {
    const key = options.idempotencyKey;
    if (key === undefined) return { seq: this.append(topic, payload, options.retain, options.exclude, options.tags), duplicate: false };
    return this.idempotency.publish(topic, key, () => this.append(topic, payload, options.retain, options.exclude, options.tags));
  }

  close(): MaybePromise<void> {
    this.sink = undefined;
    // Another store may close asynchronously: its failure is the caller's (server.close awaits it).
    return this.history.close();
  }

  private append(topic: string, payload: Uint8Array, retain: HistoryLimits | false, exclude: string | undefined, tags: Tags | undefined): number {
    const seq = this.history.append(topic, payload, retain, tags);
    this.sink?.deliver(topic, this.history.epochOf(topic), seq, payload, exclude, tags);
    return seq;
  }
}
