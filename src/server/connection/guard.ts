/**
 * Per-connection protections that live as long as the socket: the message and byte token buckets,
 * the token-expiry timer (close 4001 unless refreshed) and the admission slot. One object so the
 * close path has one thing to dispose.
 */
import { CloseCode } from '../../protocol/codes.js';
import type { Slot } from './admission.js';
import { TokenBucket } from './rate-limit.js';

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

export class ConnectionGuard {
  /** Token expiry in ms since the epoch, or undefined when the connection's token does not expire. */
  expiresAt: number | undefined;
  private readonly messages: TokenBucket | undefined;
  private readonly bytes: TokenBucket | undefined;
  private expiryTimer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  constructor(
    limits: ConnectionRateLimits,
    private readonly slot: Slot | undefined,
  ) {
    // The burst leaves room for one Subscribe frame per topic: after a reconnect a client renews
    // every subscription at once, and must not be closed for it (and reconnect, and again...).
    const frameBurst = limits.messagesPerSecond * 2 + limits.maxSubscriptions;
    this.messages = limits.messagesPerSecond > 0 ? new TokenBucket(limits.messagesPerSecond, frameBurst) : undefined;
    this.bytes =
      limits.bytesPerSecond > 0 ? new TokenBucket(limits.bytesPerSecond, Math.max(limits.bytesPerSecond * 2, limits.maxPayloadBytes)) : undefined;
  }

  /** Counts an inbound message's bytes; false when over the byte rate. */
  allowBytes(n: number): boolean {
    return this.bytes === undefined || this.bytes.take(n);
  }

  /** Counts `n` client frames; false when over the message rate. */
  allowFrames(n: number): boolean {
    return this.messages === undefined || this.messages.take(n);
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

  /** Stops the timer and frees the admission slot; safe to call twice. */
  dispose(): void {
    this.disposed = true;
    clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    this.slot?.release();
  }
}
