/**
 * What a generator connection does when the server closes it, in the drain scenario: what the SDK
 * does. After 1012 (a draining worker) it reconnects after `serviceRestartDelay()` (0–100 ms),
 * after anything else after `backoffDelay(attempt)`: both straight from src/client/backoff.ts,
 * which are pure. It then resubscribes with its last position per topic in `extras.positions`
 * (docs/protocol.md §5.3), so the server replays what it missed before answering.
 *
 * Also the bookkeeping the drain report needs: close codes, which server worker each connection
 * was on (the Welcome's connection id `w<slot>.…`), close → resubscribed times, recovered or not,
 * and for publishers, acknowledged publications (a publication in flight when its connection
 * closed may never have reached the server, so only acknowledged ones are known to exist).
 * Everything here runs once per connect or close, not per message: allocation is fine.
 */
import { backoffDelay, serviceRestartDelay } from '../../src/client/backoff.js';
import { Kind, msgpackCodec, toServerFrame, type StreamPosition } from '../../src/protocol/index.js';
import type { ConnectionState } from './connection-state.js';
import { nowUs } from './clock.js';
import { encodeHistogram, newHistogram } from './histogram.js';
import type { ReconnectReport, WorkerCloses } from './ipc.js';

/** 1012 SERVICE_RESTART: the server is draining (docs/operations.md, Drain). */
export const SERVICE_RESTART = 1012;

/** Request ids of acknowledged publications start here (1 is every connection's subscribe). */
const FIRST_PUBLISH_ID = 1000;

/** Per-connection recovery state. */
export interface Recovering {
  readonly state: ConnectionState;
  /** The topic epoch and the position the server answered, per topic slot (from the last subscribe Reply). */
  epochs: string[] | undefined;
  replySeqs: number[] | undefined;
  /** Server worker slot this connection is on (`?` until the Welcome says). */
  worker: string;
  /** When it closed (µs), or -1 while it is not waiting to resubscribe. */
  closedUs: number;
  /** Failed redials in a row since the close. */
  attempts: number;
  closedOnce: boolean;
}

export class Recovery {
  private readonly closeCodes = new Map<number, number>();
  private readonly byWorker = new Map<string, WorkerCloses & { seen: Set<Recovering> }>();
  private readonly affected = new Set<Recovering>();
  private readonly resubscribeUs = newHistogram();
  private disconnects = 0;
  private resubscribed = 0;
  private notRecovered = 0;
  private redialFailures = 0;
  private nextPublishId = FIRST_PUBLISH_ID;
  private readonly pendingAcks = new Map<number, number>();
  private readonly acked: number[];
  private readonly topicIndex: Map<string, number>;

  constructor(private readonly topicNames: readonly string[]) {
    this.acked = new Array<number>(topicNames.length).fill(0);
    this.topicIndex = new Map(topicNames.map((name, n) => [name, n]));
  }

  track(state: ConnectionState): Recovering {
    return { state, epochs: undefined, replySeqs: undefined, worker: '?', closedUs: -1, attempts: 0, closedOnce: false };
  }

  /** A binary frame the fast scanner did not take: the Welcome names the worker. */
  onOtherBinary(conn: Recovering, buf: Buffer, start: number, end: number): void {
    try {
      for (const value of msgpackCodec.decode(buf.subarray(start, end))) {
        const frame = toServerFrame(value);
        if (frame.kind === Kind.Welcome) conn.worker = /^w(\d+)\./.exec(frame.connectionId)?.[1] ?? '?';
        // A topic subscribed before its first publication was answered the empty epoch ''; the
        // server names the real one in a Gap at seq 0 before seq 1 (protocol.md §3.4). Without
        // adopting it, a resubscribe from ('', n) could never be recovered.
        else if (frame.kind === Kind.Gap && frame.seq === 0 && frame.epoch !== undefined && conn.epochs !== undefined) {
          const slot = Array.from(conn.state.topics, (n) => this.topicNames[n]!).indexOf(frame.topic);
          if (slot >= 0 && conn.epochs[slot] === '') conn.epochs[slot] = frame.epoch;
        }
      }
    } catch {
      // not a frame we need
    }
  }

  /** The Subscribe to send: with the last position per topic once the connection had one. */
  subscribeFrame(conn: Recovering, id: number): Uint8Array {
    const topics = Array.from(conn.state.topics, (n) => this.topicNames[n]!);
    if (conn.epochs === undefined) return msgpackCodec.encode({ kind: Kind.Subscribe, id, topics }) as Uint8Array;
    const seen = conn.state.lastSeqs();
    const positions: Record<string, StreamPosition> = {};
    topics.forEach((topic, i) => {
      positions[topic] = { epoch: conn.epochs![i]!, seq: Math.max(seen[i]!, conn.replySeqs![i]!) };
    });
    return msgpackCodec.encode({ kind: Kind.Subscribe, id, topics, positions }) as Uint8Array;
  }

  /**
   * The Reply to a Subscribe: remembers each topic's epoch; after a close, records the time to
   * resubscribe and whether every topic was recovered. Returns true when it answered a resubscribe.
   */
  onSubscribeReply(conn: Recovering, buf: Buffer, start: number, end: number): boolean {
    let positions: Record<string, { epoch?: unknown; seq?: unknown; recovered?: unknown }> | undefined;
    try {
      for (const value of msgpackCodec.decode(buf.subarray(start, end))) {
        const frame = toServerFrame(value);
        if (frame.kind === Kind.Reply && typeof frame.data === 'object' && frame.data !== null) positions = frame.data as typeof positions;
      }
    } catch {
      // an unreadable reply leaves the connection without positions: it then resubscribes from now
    }
    let recovered = true;
    if (positions !== undefined) {
      const topics = Array.from(conn.state.topics, (n) => this.topicNames[n]!);
      conn.epochs = topics.map((topic) => String(positions![topic]?.epoch ?? ''));
      conn.replySeqs = topics.map((topic) => Number(positions![topic]?.seq ?? 0));
      if (conn.closedUs >= 0) recovered = topics.every((topic) => positions![topic]?.recovered === true);
    }
    return this.resubscribedNow(conn, recovered);
  }

  /** A connection without topics (a publisher) is back as soon as it is open. */
  resubscribedNow(conn: Recovering, recovered = true): boolean {
    if (conn.closedUs < 0) return false;
    this.resubscribeUs.recordValue(Math.max(1, Math.round(nowUs() - conn.closedUs)));
    this.resubscribed++;
    if (!recovered) this.notRecovered++;
    conn.closedUs = -1;
    conn.attempts = 0;
    return true;
  }

  /**
   * A connection that had subscribed closed: either while up (a disconnect) or while reconnecting
   * (`opened`: the upgrade had succeeded, so the server closed it; otherwise the dial failed).
   * Returns the delay before the next attempt, ms, as the SDK would wait.
   */
  onClose(conn: Recovering, code: number, opened: boolean): number {
    if (opened) this.closeCodes.set(code, (this.closeCodes.get(code) ?? 0) + 1);
    if (conn.closedUs >= 0) {
      if (!opened) this.redialFailures++;
      conn.attempts++;
      return code === SERVICE_RESTART ? serviceRestartDelay() : backoffDelay(conn.attempts);
    }
    const atUs = nowUs();
    this.disconnects++;
    this.affected.add(conn);
    let worker = this.byWorker.get(conn.worker);
    if (worker === undefined) {
      worker = { closes: 0, clients: 0, firstUs: atUs, lastUs: atUs, seen: new Set() };
      this.byWorker.set(conn.worker, worker);
    }
    worker.closes++;
    worker.lastUs = atUs;
    if (!worker.seen.has(conn)) {
      worker.seen.add(conn);
      worker.clients++;
    }
    conn.closedOnce = true;
    conn.closedUs = atUs;
    conn.attempts = 0;
    conn.worker = '?';
    return code === SERVICE_RESTART ? serviceRestartDelay() : backoffDelay(0);
  }

  /** The Publish to send for an acknowledged publication on `topic`; `data` is the stamped bin or the probe event (probe-text.ts). */
  publishFrame(topic: string, data: unknown): Uint8Array {
    const id = this.nextPublishId++;
    this.pendingAcks.set(id, this.topicIndex.get(topic) ?? 0);
    return msgpackCodec.encode({ kind: Kind.Publish, id, topic, data }) as Uint8Array;
  }

  /** A Reply (or Error) to request `id`: counts an acknowledged publication. Returns true when it was one. */
  onPublishAnswer(id: number, error: boolean): boolean {
    const topic = this.pendingAcks.get(id);
    if (topic === undefined) return false;
    this.pendingAcks.delete(id);
    if (!error) this.acked[topic]!++;
    return true;
  }

  report(conns: ReadonlyArray<{ recovering: Recovering | undefined; isOpen: boolean }>): ReconnectReport {
    let down = 0;
    let clientsWithGap = 0;
    const openByWorker: Record<string, number> = {};
    for (const { recovering, isOpen } of conns) {
      if (recovering === undefined) continue;
      if (recovering.closedUs >= 0) down++;
      else if (isOpen) openByWorker[recovering.worker] = (openByWorker[recovering.worker] ?? 0) + 1;
      if (!recovering.state.gapless()) clientsWithGap++;
    }
    return {
      closeCodes: Object.fromEntries([...this.closeCodes].map(([code, count]) => [String(code), count])),
      byWorker: Object.fromEntries([...this.byWorker].map(([slot, { seen: _seen, ...closes }]) => [slot, closes])),
      disconnects: this.disconnects,
      clientsAffected: this.affected.size,
      resubscribed: this.resubscribed,
      notRecovered: this.notRecovered,
      redialFailures: this.redialFailures,
      down,
      clientsWithGap,
      resubscribeHistogram: encodeHistogram(this.resubscribeUs),
      openByWorker,
      ackedPerTopic: [...this.acked],
      unacked: this.pendingAcks.size,
    };
  }
}
