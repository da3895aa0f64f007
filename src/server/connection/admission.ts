/**
 * Who may start a WebSocket upgrade right now: the connection-attempt rate (reconnect storms), the
 * total connection cap and the per-address cap. A connection holds its slot from the upgrade
 * request (authentication included) until it closes, so slow upgrades count too.
 */
import { ErrorCode } from '../../protocol/codes.js';
import { LimitError } from '../../protocol/errors.js';
import { TokenBucket } from './rate-limit.js';

export interface AdmissionLimits {
  /** Open plus upgrading connections, all addresses; 0 = no cap. */
  maxConnections: number;
  /** Open plus upgrading connections from one client address; 0 = no cap. */
  maxConnectionsPerIp: number;
  /** Upgrade attempts per second, all addresses (burst: twice that); 0 = no limit. */
  connectsPerSecond: number;
}

/** Seconds a client refused for capacity is asked to wait. */
export const CAPACITY_RETRY_AFTER_SECONDS = 5;

/** A held connection slot; `release()` is idempotent. */
export interface Slot {
  release(): void;
}

export class Admission {
  private total = 0;
  private readonly perAddress = new Map<string, number>();
  private readonly attempts: TokenBucket | undefined;

  constructor(private readonly limits: AdmissionLimits) {
    this.attempts = limits.connectsPerSecond > 0 ? new TokenBucket(limits.connectsPerSecond, limits.connectsPerSecond * 2) : undefined;
  }

  /**
   * Counts one upgrade attempt and reserves a slot for `address`.
   * @throws LimitError OVERLOADED (HTTP 503) over the attempt rate or the total cap,
   *   LIMIT_EXCEEDED (HTTP 429) over the per-address cap; both with retryAfterSeconds.
   */
  admit(address: string): Slot {
    this.reserve(address);
    return new HeldSlot(this, address);
  }

  /**
   * Like `admit`, for a holder that keeps the slot itself (the connection guard, one object fewer
   * per connection): it must call `free(address)` exactly once.
   */
  reserve(address: string): void {
    if (this.attempts !== undefined && !this.attempts.take()) {
      throw new LimitError(ErrorCode.Overloaded, 'too many connection attempts, retry later', { retryAfterSeconds: this.attempts.retryAfterSeconds() });
    }
    const { maxConnections, maxConnectionsPerIp } = this.limits;
    if (maxConnections > 0 && this.total >= maxConnections) {
      throw new LimitError(ErrorCode.Overloaded, 'server is at its connection limit, retry later', { retryAfterSeconds: CAPACITY_RETRY_AFTER_SECONDS });
    }
    const mine = this.perAddress.get(address) ?? 0;
    if (maxConnectionsPerIp > 0 && mine >= maxConnectionsPerIp) {
      throw new LimitError(ErrorCode.LimitExceeded, 'too many connections from this address', { retryAfterSeconds: CAPACITY_RETRY_AFTER_SECONDS });
    }
    this.total++;
    this.perAddress.set(address, mine + 1);
  }

  /** Gives a slot back (called once per slot, by its holder). */
  free(address: string): void {
    this.total--;
    const left = (this.perAddress.get(address) ?? 1) - 1;
    if (left > 0) this.perAddress.set(address, left);
    else this.perAddress.delete(address);
  }

  /** Slots held (open and upgrading connections). */
  get held(): number {
    return this.total;
  }

  /** Addresses holding at least one slot (bounded by held; for tests). */
  get addresses(): number {
    return this.perAddress.size;
  }
}

/**
 * One held slot. A small class rather than a closure over `admit`'s scope: every open connection
 * keeps one, and a closure with its context cost about 400 bytes each (heap snapshot, 5,000
 * connections) against about 40 for this object.
 */
class HeldSlot implements Slot {
  private admission: Admission | undefined;

  constructor(
    admission: Admission,
    private readonly address: string,
  ) {
    this.admission = admission;
  }

  release(): void {
    const admission = this.admission;
    if (admission === undefined) return;
    this.admission = undefined;
    admission.free(this.address);
  }
}
