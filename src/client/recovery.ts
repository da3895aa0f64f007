/**
 * Keeps the server's subscriptions in step with the application's handlers, without losing or
 * repeating a message: subscribe requests carry the topic's last position, every Welcome renews all
 * topics, and a gap in live traffic is filled from History. The bookkeeping lives in Subscriptions
 * (handlers, waiting callers) and Streams (positions, held messages); this file sends the requests
 * they ask for and interprets the answers.
 */
import { ErrorCode } from '../protocol/codes.js';
import { ProtocolError, RemoteError, toError } from '../protocol/errors.js';
import { readFilter, type TagFilter } from '../protocol/tags.js';
import { Kind, type ClientFrame, type GapFrame, type MessageFrame, type StreamPosition, type SubscribeFrame, type TopicPosition } from '../protocol/frames.js';
import type { Settler } from './requests.js';
import type { Delivery, Streams } from './streams.js';
import type { MessageHandler, SubscribeOptions, Subscriptions } from './subscriptions.js';
import type { ClientEvents, ClientState } from './types.js';

/** What recovery needs from the client. */
export interface RecoveryHost {
  /** Lifecycle state of the connection. */
  readonly state: ClientState;
  /** Sends a request once connected; resolves with the Reply's data. */
  request(frame: ClientFrame): Promise<unknown>;
  /** Registers the answer handling for a request sent in a batch; returns its id. */
  track(settler: Settler): number;
  /** Events for the application. */
  emit<E extends 'subscribed' | 'gap' | 'error'>(event: E, payload: ClientEvents[E]): void;
}

export class SubscriptionRecovery {
  // Topics subscribed with `latest: true`, asked again by a renewal while they have no position yet.
  private readonly latest = new Set<string>();
  // Topics subscribed with a tag filter: every Subscribe of the topic (renewals too) carries it.
  private readonly filters = new Map<string, TagFilter>();

  constructor(
    private readonly subscriptions: Subscriptions,
    private readonly streams: Streams,
    private readonly host: RecoveryHost,
    private readonly requestTimeoutMs: number,
  ) {}

  /**
   * Adds a handler; the topic's first one gets it subscribed on the server. A refusal forgets the
   * handler; a TIMEOUT keeps it, so the subscription is still made when the connection comes back.
   */
  async subscribe(topic: string, handler: MessageHandler, options: SubscribeOptions = {}): Promise<void> {
    // Checked before anything is kept: a bad filter never reaches the server (BAD_FRAME here).
    const filter = options.filter === undefined ? undefined : readFilter(options.filter);
    if (this.subscriptions.topics.includes(topic) && JSON.stringify(filter) !== JSON.stringify(this.filters.get(topic))) {
      throw new ProtocolError(ErrorCode.BadFrame, `"${topic}" is already subscribed with another filter (or none): unsubscribe it first`);
    }
    if (!this.subscriptions.add(topic, handler)) return;
    if (filter !== undefined) this.filters.set(topic, filter);
    this.streams.track(topic, filter !== undefined);
    if (options.latest === true) this.latest.add(topic);
    try {
      await withTimeout(this.confirm(topic), this.requestTimeoutMs);
    } catch (err) {
      if (err instanceof RemoteError && err.code !== ErrorCode.Timeout) this.forget(topic);
      throw err;
    }
  }

  /** The last position delivered on a topic, once known. */
  position(topic: string): StreamPosition | undefined {
    return this.streams.position(topic);
  }

  /** Removes a handler (or all); true when the topic has none left and the server should be told. */
  unsubscribe(topic: string, handler: MessageHandler | undefined): boolean {
    if (!this.subscriptions.remove(topic, handler)) return false;
    this.streams.forget(topic);
    this.latest.delete(topic);
    this.filters.delete(topic);
    return true;
  }

  /**
   * After a Welcome: one Subscribe frame per topic with its position, each with its own request id,
   * so one refused topic does not refuse the others. The caller sends them (batched).
   */
  renewAll(): ClientFrame[] {
    return this.subscriptions.topics.map((topic) => {
      const frame = this.subscribeFrame(topic);
      frame.id = this.trackRenewal(topic, frame.positions?.[topic]);
      return frame;
    });
  }

  /** A live Message frame. */
  message(frame: MessageFrame): void {
    const { deliver, recover } = this.streams.receive(frame.topic, frame.seq, frame.data);
    this.release(frame.topic, deliver);
    if (recover) this.recover(frame.topic);
  }

  /** A Gap notice from the server. */
  gap(frame: GapFrame): void {
    if (this.streams.gapNotice(frame.topic, frame.seq, frame.epoch)) this.recover(frame.topic);
  }

  /** The socket closed: held messages are dropped, the renewal after the next Welcome replays them. */
  dropped(): void {
    this.streams.release();
  }

  /** The client stopped for good: fail the subscribe() calls waiting for a renewal. */
  stopped(error: Error): void {
    this.subscriptions.rejectWaiters(error);
  }

  /**
   * Gets a topic subscribed on the server exactly once: directly when open, otherwise by the
   * renewal that follows the next Welcome (which covers every topic with handlers).
   */
  private async confirm(topic: string): Promise<void> {
    for (;;) {
      if (this.host.state !== 'open') return this.subscriptions.waitForResubscribe(topic);
      const frame = this.subscribeFrame(topic);
      try {
        this.subscribed(topic, await this.host.request(frame), frame.positions?.[topic], false);
        return;
      } catch (err) {
        if (this.streams.isHeld(topic)) this.release(topic, this.streams.settle(topic, undefined, undefined).deliver);
        // Lost the connection mid-request: the renewal after the next Welcome will do it.
        // (`state` may have changed during the await; TypeScript's narrowing does not know that.)
        if (!(err instanceof RemoteError && err.code === ErrorCode.Disconnected && (this.host.state as ClientState) !== 'closed')) throw err;
      }
    }
  }

  /** Registers the answer handling for one topic of the post-Welcome renewal; returns its request id. */
  private trackRenewal(topic: string, requested: StreamPosition | undefined): number {
    const waiters = this.subscriptions.takeWaiters(topic);
    return this.host.track({
      resolve: (data) => {
        // A renewal of a subscription the server had confirmed before carries its position; a
        // first subscribe that merely waited for the connection does not (it is no resubscribe).
        this.subscribed(topic, data, requested, requested !== undefined);
        waiters.forEach((waiter) => waiter.resolve());
      },
      reject: (error) => {
        if (this.streams.isHeld(topic)) this.release(topic, this.streams.settle(topic, undefined, undefined).deliver);
        const code = error instanceof RemoteError ? error.code : ErrorCode.Internal;
        // Lost again before the answer: the next Welcome retries this topic for the same callers.
        if (code === ErrorCode.Disconnected && this.host.state !== 'closed') return this.subscriptions.enqueue(topic, waiters);
        // A refusal forgets the topic; a timeout keeps it for the next connection.
        if (code !== ErrorCode.Timeout) this.forget(topic);
        if (waiters.length > 0) waiters.forEach((waiter) => waiter.reject(error));
        else this.host.emit('error', new RemoteError(code, `resubscribe to "${topic}" failed: ${error.message}`, { cause: error }));
      },
    });
  }

  /**
   * A Subscribe frame for one topic, carrying its last position so the server replays what was
   * missed; without one, the request for the latest publication when the subscriber asked for it.
   */
  private subscribeFrame(topic: string): SubscribeFrame {
    const position = this.streams.position(topic);
    this.streams.hold(topic);
    const frame: SubscribeFrame = { kind: Kind.Subscribe, id: 0, topics: [topic] };
    if (position !== undefined) frame.positions = { [topic]: position };
    else if (this.latest.has(topic)) frame.latest = true;
    const filter = this.filters.get(topic);
    if (filter !== undefined) frame.filter = filter;
    return frame;
  }

  /** Handles a subscribe answer: releases held messages, reports `subscribed` and any gap. */
  private subscribed(topic: string, data: unknown, requested: StreamPosition | undefined, resubscribe: boolean): void {
    const answer = topicPosition(data, topic);
    const { deliver, gap } = this.streams.settle(topic, answer, requested);
    this.release(topic, deliver);
    if (answer !== undefined) {
      this.host.emit('subscribed', { topic, epoch: answer.epoch, seq: answer.seq, recovered: requested === undefined ? undefined : answer.recovered === true, resubscribe });
    }
    if (gap !== undefined) this.host.emit('gap', gap);
  }

  /** Asks for the messages after the topic's last position (a gap showed in live traffic). */
  private recover(topic: string): void {
    const since = this.streams.position(topic);
    if (since === undefined) return;
    this.host.request({ kind: Kind.History, id: 0, topic, epoch: since.epoch, seq: since.seq }).then(
      (data) => {
        const { deliver, gap } = this.streams.settle(topic, topicPosition(data, undefined), since);
        this.release(topic, deliver);
        if (gap !== undefined) this.host.emit('gap', gap);
      },
      (err: unknown) => {
        // Disconnected: the renewal after the next Welcome recovers from the same position.
        if (err instanceof RemoteError && err.code === ErrorCode.Disconnected) return;
        this.release(topic, this.streams.settle(topic, undefined, undefined).deliver);
        this.host.emit('error', toError(err));
      },
    );
  }

  private release(topic: string, deliveries: readonly Delivery[]): void {
    for (const { seq, data } of deliveries) this.subscriptions.deliver(topic, seq, data, (error) => this.host.emit('error', error));
  }

  private forget(topic: string): void {
    this.subscriptions.forget(topic);
    this.streams.forget(topic);
    this.latest.delete(topic);
    this.filters.delete(topic);
  }
}

/** Reads a TopicPosition out of reply data (a subscribe reply is keyed by topic; history's is not). */
function topicPosition(data: unknown, topic: string | undefined): TopicPosition | undefined {
  const value = topic === undefined ? data : typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[topic] : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  const { epoch, seq, recovered } = value as Record<string, unknown>;
  if (typeof epoch !== 'string' || typeof seq !== 'number') return undefined;
  return recovered === undefined ? { epoch, seq } : { epoch, seq, recovered: recovered === true };
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new RemoteError(ErrorCode.Timeout, `not connected within ${timeoutMs} ms`)), timeoutMs);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
