/**
 * How many backend hook calls may be open at once: at most `maxConcurrent` in all and
 * `maxPerCaller` for one connection; calls beyond that wait in one first-come line of at most
 * `maxQueued` (a connection may hold at most an eighth of it), and beyond that are refused at once
 * as overloaded. A waiting call gives up when its signal aborts (the hook's timeout runs from the
 * moment the call was asked for, so a wait is part of it), and a call whose connection closed while
 * it waited is never made. Without this one Subscribe frame naming 1,000 topics opened 1,000
 * requests to the backend at once.
 */
import { BackendError } from './backend-error.js';

/** The gate's bounds (see BackendOptions for their defaults). */
export interface CallGateLimits {
  readonly maxConcurrent: number;
  readonly maxQueued: number;
  readonly maxPerCaller: number;
}

/** Who a call is for: a connection (its id, and whether it has closed), or nobody yet (connect). */
export interface GateCaller {
  readonly id: string;
  readonly closed?: boolean;
}

/** The call being let through: its hook URL (named in errors) and its timeout signal. */
export interface GatedCall {
  readonly url: string;
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
}

interface Waiter {
  readonly caller: GateCaller | undefined;
  readonly url: string;
  start(): void;
  fail(err: BackendError): void;
}

export class CallGate {
  private active = 0;
  private readonly line: Waiter[] = [];
  /** Calls open per caller id (absent: none). */
  private readonly open = new Map<string, number>();
  /** Calls waiting per caller id (absent: none). */
  private readonly waiting = new Map<string, number>();
  private readonly maxWaitingPerCaller: number;

  constructor(private readonly limits: CallGateLimits) {
    this.maxWaitingPerCaller = Math.max(1, Math.floor(limits.maxQueued / 8));
  }

  /** Calls open now (for tests and metrics). */
  get inFlight(): number {
    return this.active;
  }

  /** Calls waiting now. */
  get queued(): number {
    return this.line.length;
  }

  /**
   * Makes the call (`make`) once a slot is free, and frees the slot when it settles.
   * @throws BackendError `overloaded` when the line is full, `timeout` when `signal` aborts first,
   *   `abandoned` when the caller's connection closed while the call waited.
   */
  run<T>(caller: GateCaller | undefined, call: GatedCall, make: () => Promise<T>): Promise<T> {
    // With a slot free the call is made at once, in this tick, as it was before there was a gate.
    if (this.mayStart(caller)) {
      this.take(caller);
      return this.made(caller, make);
    }
    return this.wait(caller, call).then(() => this.made(caller, make));
  }

  private made<T>(caller: GateCaller | undefined, make: () => Promise<T>): Promise<T> {
    let result: Promise<T>;
    try {
      result = make();
    } catch (err) {
      this.leave(caller);
      return Promise.reject(err);
    }
    return result.finally(() => this.leave(caller));
  }

  /** Queues a call that may not start now; resolves when it holds a slot. */
  private wait(caller: GateCaller | undefined, { url, signal, timeoutMs }: GatedCall): Promise<void> {
    const waitingForCaller = caller === undefined ? 0 : (this.waiting.get(caller.id) ?? 0);
    if (this.line.length >= this.limits.maxQueued || waitingForCaller >= this.maxWaitingPerCaller) {
      return Promise.reject(new BackendError('overloaded', url, `${this.active} calls open and ${this.line.length} waiting`));
    }
    if (signal.aborted) return Promise.reject(new BackendError('timeout', url, 'no time left to wait for a call slot', undefined, { timeoutMs }));
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const index = this.line.indexOf(waiter);
        if (index >= 0) this.dequeue(index);
        reject(new BackendError('timeout', url, `waited ${timeoutMs} ms for a free call slot`, undefined, { timeoutMs }));
      };
      const waiter: Waiter = {
        caller,
        url,
        start: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        fail: (err) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.line.push(waiter);
      if (caller !== undefined) this.waiting.set(caller.id, waitingForCaller + 1);
    });
  }

  private leave(caller: GateCaller | undefined): void {
    this.active--;
    if (caller !== undefined) {
      const left = (this.open.get(caller.id) ?? 1) - 1;
      if (left > 0) this.open.set(caller.id, left);
      else this.open.delete(caller.id);
    }
    // The first waiters that may start, in order; a connection at its own cap is passed over.
    for (let i = 0; i < this.line.length && this.active < this.limits.maxConcurrent; ) {
      const waiter = this.line[i]!;
      if (waiter.caller?.closed === true) {
        this.dequeue(i);
        waiter.fail(new BackendError('abandoned', waiter.url, 'the connection closed while the call waited'));
        continue;
      }
      if (!this.mayStart(waiter.caller)) {
        i++;
        continue;
      }
      this.dequeue(i);
      this.take(waiter.caller);
      waiter.start();
    }
  }

  private mayStart(caller: GateCaller | undefined): boolean {
    if (this.active >= this.limits.maxConcurrent) return false;
    return caller === undefined || (this.open.get(caller.id) ?? 0) < this.limits.maxPerCaller;
  }

  private take(caller: GateCaller | undefined): void {
    this.active++;
    if (caller !== undefined) this.open.set(caller.id, (this.open.get(caller.id) ?? 0) + 1);
  }

  private dequeue(index: number): void {
    const [waiter] = this.line.splice(index, 1);
    const id = waiter?.caller?.id;
    if (id === undefined) return;
    const left = (this.waiting.get(id) ?? 1) - 1;
    if (left > 0) this.waiting.set(id, left);
    else this.waiting.delete(id);
  }
}
