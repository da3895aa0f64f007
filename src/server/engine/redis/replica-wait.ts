/**
 * Publications acknowledged only once replicas have them (`redis.waitReplicas`). Replication is
 * asynchronous: a master acknowledges a write before any replica has it, and a failover to that
 * replica loses it. `WAIT n timeout` on the command connection answers how many replicas confirmed
 * every write that connection made so far, so a publish answered after a WAIT that confirmed
 * enough survives a failover to any of them; one confirmed by fewer was made on the master but may
 * be lost, which is "outcome unknown" (504), never success and never "not published".
 *
 * WAIT blocks the connection it is sent on (Redis runs the connection's later commands after it),
 * so at most one is in flight: publishes answered meanwhile share the next one, which is sent when
 * it returns (one sent earlier may have left before their scripts ran, so it cannot cover them).
 */
import { outcomeUnknown } from './command-errors.js';

export class ReplicaWait {
  private inFlight: Promise<number> | undefined;
  private next: Promise<number> | undefined;

  /** `wait` sends `WAIT <replicas> <timeout>` on the connection the publications were made on. */
  constructor(
    private readonly replicas: number,
    private readonly timeoutMs: number,
    private readonly wait: () => Promise<number>,
  ) {}

  /**
   * Resolves once `replicas` replicas confirmed every write the connection made before this call.
   * @throws PUBLISH_OUTCOME_UNKNOWN when fewer confirmed within the timeout, or the WAIT failed.
   */
  async confirm(): Promise<void> {
    let confirmed: number;
    try {
      confirmed = await this.nextWait();
    } catch (err) {
      throw outcomeUnknown(err);
    }
    if (confirmed < this.replicas) {
      throw outcomeUnknown(new Error(`WAIT: ${confirmed} of ${this.replicas} replicas confirmed the write within ${this.timeoutMs} ms`));
    }
  }

  private nextWait(): Promise<number> {
    if (this.inFlight === undefined) return this.send();
    const after = () => {
      this.next = undefined;
      return this.send();
    };
    this.next ??= this.inFlight.then(after, after);
    return this.next;
  }

  private send(): Promise<number> {
    const sent = this.wait();
    this.inFlight = sent;
    const settled = () => {
      if (this.inFlight === sent) this.inFlight = undefined;
    };
    sent.then(settled, settled);
    return sent;
  }
}
