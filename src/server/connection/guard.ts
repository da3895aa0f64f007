/**
 * Per-connection protections that live as long as the socket: the message and byte token buckets,
 * the token-expiry timer (close 4001 unless refreshed) and the admission slot. One object so the
 * close path has one thing to dispose.
 *
 * Every open connection holds one, so it is kept small: each bucket is one number (rate-limit.ts,
 * `takeFromDue`), the limits are read from the shared options object rather than copied, and the
 * guard holds the admission slot itself instead of a slot object. Two TokenBucket objects and a
 * slot cost about 180 B per connection (heap snapshot, 5,000 connections).
 */
import { CloseCode } from '../../protocol/codes.js';
import type { Admission, Slot } from './admission.js';
import { takeFromDue } from './rate-limit.js';

/** The rate settings of ServerOptions a guard reads. */
export interface ConnectionRateLimits {
  /** Client frames per second (burst: twice that plus maxSubscriptions); 0 = no limit. */
  messagesPerSecond: number;
  /** Inbound bytes per second (burst: twice that, at least maxPayloadBytes); 0 = no limit. */
  bytesPerSecond: number;
  maxPayloadBytes: number;
  maxSubscriptions: number;
}

/** What the guard needs of a connection: a way to close it. */
export interface Closable {
  close(code?: number, reason?: string): void;
}

// setTimeout fires at once for delays over 2^31-1 ms (~24.8 days); longer expiries re-arm.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A connection's guard; also the connection's admission slot from the upgrade request on. */
export class ConnectionGuard implements Slot {
  /** Token expiry in ms since the epoch, or undefined when the connection's token does not expire. */
  expiresAt: number | undefined = undefined;
  // When each bucket is full again (see takeFromDue); 0 = full.
  private framesDue = 0;
  private bytesDue = 0;
  private expiryTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  private disposed = false;

  /**
   * Holds a slot of `admission` reserved for `address` (`Admission.reserve`) until released or
   * disposed; without an admission there is no slot to free.
   */
  constructor(
    private readonly limits: ConnectionRateLimits,
    private admission?: Admission,
    private readonly address = '',
  ) {}

  /** Counts an inbound message's bytes; false when over the byte rate. */
  allowBytes(n: number): boolean {
    const { bytesPerSecond, maxPayloadBytes } = this.limits;
    if (bytesPerSecond <= 0) return true;
    const due = takeFromDue(this.bytesDue, n, bytesPerSecond, Math.max(bytesPerSecond * 2, maxPayloadBytes));
    if (due < 0) return false;
    this.bytesDue = due;
    return true;
  }

  /** Counts `n` client frames; false when over the message rate. */
  allowFrames(n: number): boolean {
    const { messagesPerSecond, maxSubscriptions } = this.limits;
    if (messagesPerSecond <= 0) return true;
    // The burst leaves room for one Subscribe frame per topic: after a reconnect a client renews
    // every subscription at once, and must not be closed for it (and reconnect, and again...).
    const due = takeFromDue(this.framesDue, n, messagesPerSecond, messagesPerSecond * 2 + maxSubscriptions);
    if (due < 0) return false;
    this.framesDue = due;
    return true;
  }

  /** (Re)arms the expiry timer: at `expiresAt` the connection closes with 4001 TOKEN_EXPIRED. */
  armExpiry(connection: Closable, expiresAt: number | undefined): void {
    clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    this.expiresAt = expiresAt;
    if (expiresAt === undefined || this.disposed) return;
    const delay = expiresAt - Date.now();
    this.expiryTimer = setTimeout(
      () => {
        if (delay > MAX_TIMER_MS) return this.armExpiry(connection, expiresAt);
        connection.close(CloseCode.TokenExpired, 'token expired');
      },
      Math.max(0, Math.min(delay, MAX_TIMER_MS)),
    );
    // A pending expiry must not keep a closing process alive.
    this.expiryTimer.unref?.();
  }

  /** Frees the admission slot (a client that gave up during the upgrade); idempotent. */
  release(): void {
    const admission = this.admission;
    if (admission === undefined) return;
    this.admission = undefined;
    admission.free(this.address);
  }

  /** Stops the timer and frees the admission slot; safe to call twice. */
  dispose(): void {
    this.disposed = true;
    clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    this.release();
  }
}
