/**
 * The application's topic handlers, which outlive connections, and the subscribe() calls waiting
 * for the resubscribe batch that follows the next welcome.
 */
import { toError } from '../protocol/errors.js';
import type { TagFilter } from '../protocol/tags.js';

/** Context passed with each topic message. */
export interface MessageContext {
  topic: string;
  seq: number;
}

export type MessageHandler = (data: unknown, context: MessageContext) => void;

/** Options of `client.subscribe()`. */
export interface SubscribeOptions {
  /**
   * Start with the topic's most recent publication (from the server's history), delivered to the
   * handler before `subscribe()` resolves, instead of waiting for the next one. Applies when the call
   * subscribes the topic on the server (its first handler); once the client has a position on the
   * topic, a resubscribe recovers from it instead. A namespace with `latest: true` does this for
   * every subscriber without the option. @default false
   */
  latest?: boolean;
  /**
   * Only publications whose tags pass this filter reach the topic's handlers (docs/protocol.md
   * §5.6): `{eq: [key, value]}`, `{in: [key, [values]]}`, `{and: [...]}`, `{or: [...]}`. The
   * filter belongs to the topic's subscription on the server, so it is set by the topic's first
   * handler; a later `subscribe()` of the topic with another filter is refused (BAD_FRAME).
   * Handlers then see the topic's real seqs, with jumps where publications were filtered out.
   */
  filter?: TagFilter;
}

/** Someone waiting for a topic's subscription to be confirmed (or refused). */
export interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

export class Subscriptions {
  private readonly handlers = new Map<string, Set<MessageHandler>>();
  private readonly waiters = new Map<string, Waiter[]>();

  /** Adds a handler; returns true when it is the topic's first (the server must be told). */
  add(topic: string, handler: MessageHandler): boolean {
    const set = this.handlers.get(topic);
    if (set) {
      set.add(handler);
      return false;
    }
    this.handlers.set(topic, new Set([handler]));
    return true;
  }

  /** Removes one handler, or all; returns true when the topic has none left (and is forgotten). */
  remove(topic: string, handler?: MessageHandler): boolean {
    const set = this.handlers.get(topic);
    if (!set) return false;
    if (handler) set.delete(handler);
    if (handler && set.size > 0) return false;
    this.handlers.delete(topic);
    return true;
  }

  /** Forgets a topic the server refused. */
  forget(topic: string): void {
    this.handlers.delete(topic);
  }

  /** Topics with at least one handler. */
  get topics(): string[] {
    return [...this.handlers.keys()];
  }

  /** Calls every handler of `topic`; a throwing handler is reported and does not stop the others. */
  deliver(topic: string, seq: number, data: unknown, onHandlerError: (error: Error) => void): void {
    const set = this.handlers.get(topic);
    if (!set) return;
    const context = { topic, seq };
    for (const handler of set) {
      try {
        handler(data, context);
      } catch (err) {
        onHandlerError(toError(err));
      }
    }
  }

  /** Resolves (or rejects) with the answer to `topic` in the next resubscribe batch. */
  waitForResubscribe(topic: string): Promise<void> {
    return new Promise((resolve, reject) => this.enqueue(topic, [{ resolve, reject }]));
  }

  /** Removes and returns the callers waiting on `topic`. */
  takeWaiters(topic: string): Waiter[] {
    const list = this.waiters.get(topic) ?? [];
    this.waiters.delete(topic);
    return list;
  }

  /** Puts callers back to wait for the next batch (the connection dropped before the answer). */
  enqueue(topic: string, waiters: Waiter[]): void {
    if (waiters.length === 0) return;
    const list = this.waiters.get(topic);
    if (list) list.push(...waiters);
    else this.waiters.set(topic, [...waiters]);
  }

  /** Fails every waiting caller (the client closed for good). */
  rejectWaiters(error: Error): void {
    for (const list of this.waiters.values()) for (const waiter of list) waiter.reject(error);
    this.waiters.clear();
  }
}
