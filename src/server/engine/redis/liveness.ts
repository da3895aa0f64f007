/**
 * Proof that a Redis connection still carries answers. A socket black-holed by a NAT or a load
 * balancer, or a Redis that stopped answering, raises no error and no close: without a check, the
 * subscriber connection of a node stays "ready" while nothing arrives on it, and its clients get
 * silence instead of a gap. So each connection is PINGed (the subscriber every interval; the command
 * connection when nothing answered it for an interval, or at once after a command timed out), and a
 * PING unanswered within the command timeout drops the connection: ioredis reconnects (backoff,
 * a handshake that must be answered), the subscriber resubscribes and reconciles, and meanwhile
 * the node reports not ready.
 */
import type { Redis } from 'ioredis';

/** When to check one connection. */
export interface LivenessOptions {
  /** Time between checks, in ms. */
  readonly intervalMs: number;
  /** Skip a periodic check when something answered within the last interval (command connection). */
  readonly idleOnly: boolean;
}

export class Liveness {
  private timer: ReturnType<typeof setInterval> | undefined;
  private probing = false;
  private lastAnswer = Date.now();
  /** True from a missed deadline until the connection is ready again. */
  private dropped = false;
  /** Connections dropped for a missed deadline (for tests and metrics). */
  drops = 0;

  constructor(
    private readonly client: Redis,
    private readonly options: LivenessOptions,
  ) {
    client.on('ready', () => {
      this.dropped = false;
      this.lastAnswer = Date.now();
    });
    this.timer = setInterval(() => {
      if (this.options.idleOnly && Date.now() - this.lastAnswer < this.options.intervalMs) return;
      this.probe();
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** Whether the connection is usable: ready, and not dropped for a missed deadline. */
  get alive(): boolean {
    return !this.dropped && this.client.status === 'ready';
  }

  /** Something answered on this connection. */
  answered(): void {
    this.lastAnswer = Date.now();
  }

  /**
   * Sends one PING (unless one is in flight); the connection's command timeout is its deadline.
   * In subscribed mode Redis answers PING with a `pong` message, which ioredis resolves the same way.
   */
  probe(): void {
    if (this.probing || !this.alive) return;
    this.probing = true;
    this.client.ping().then(
      () => {
        this.probing = false;
        this.answered();
      },
      () => {
        this.probing = false;
        // A PING refused because the connection is already down proves nothing new.
        if (this.client.status === 'ready') this.drop();
      },
    );
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private drop(): void {
    if (this.dropped) return;
    this.dropped = true;
    this.drops++;
    // Destroyed, not ended: a black-holed peer never answers the FIN, and ioredis would wait its
    // disconnectTimeout first. The close fails the commands in flight (outcome unknown) and
    // ioredis reconnects with its retry strategy.
    const stream = this.client.stream as { destroy?: () => void } | undefined;
    if (stream?.destroy !== undefined) stream.destroy();
    else this.client.disconnect(true);
  }
}
