/**
 * Callers waiting for the connection to open: released together on welcome, failed together when
 * the client closes for good, bounded so an offline client cannot queue without limit.
 */
import { ErrorCode } from '../protocol/codes.js';
import { LimitError, RemoteError } from '../protocol/errors.js';
import type { Waiter } from './subscriptions.js';

export class OpenGate {
  private readonly waiters: Waiter[] = [];

  constructor(private readonly maxQueued: number) {}

  /**
   * Waits for `open()`. Rejects with LIMIT_EXCEEDED when `maxQueued` callers already wait, and with
   * TIMEOUT after `timeoutMs` (if given), after which the caller no longer counts against the bound.
   */
  wait(timeoutMs: number | undefined): Promise<void> {
    if (this.waiters.length >= this.maxQueued) {
      return Promise.reject(new LimitError(ErrorCode.LimitExceeded, `more than ${this.maxQueued} requests waiting for the connection`));
    }
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const waiter: Waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          reject(new RemoteError(ErrorCode.Timeout, `not connected within ${timeoutMs} ms`));
        }, timeoutMs);
      }
      this.waiters.push(waiter);
    });
  }

  /** Releases every waiting caller (the connection is open). */
  open(): void {
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
  }

  /** Fails every waiting caller (the client closed for good). */
  fail(error: Error): void {
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }
}
