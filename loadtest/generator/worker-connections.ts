/**
 * A generator worker's connections: dial each (on the connect schedule), greet and subscribe in the
 * plan's dialect, read every frame in place and count it in the worker's tally, and, in plans with
 * `reconnect`, redial after a close and resubscribe from the last position like the SDK.
 */
import { nowUs } from './clock.js';
import { ConnectionState, topicsFor } from './connection-state.js';
import type { Dialect, TextEvent } from '../dialects/dialect.js';
import type { ConnectResult, ReconnectReport, TopicTally, WorkerMessage, WorkerPlan, WorkerReport } from './ipc.js';
import { scanMessage, scanned, scanReply } from '../dialects/message-scan.js';
import type { Recovering, Recovery } from './recovery.js';
import { runSchedule } from './schedule.js';
import { explicitSourcePort } from './source-ports.js';
import type { WorkerTally } from './worker-tally.js';
import { RawWebSocket } from './ws/raw-websocket.js';

/** Request id of every Subscribe the generator sends: a connection subscribes once at a time. */
const SUBSCRIBE_ID = 1;
const PROGRESS_EVERY_MS = 500;

interface Conn {
  ws: RawWebSocket;
  state: ConnectionState;
  startedUs: number;
  settled: boolean;
  /** Opened and subscribed (as opposed to settled by failing); false again while reconnecting. */
  ok: boolean;
  /** Global connection index (topics and source address follow from it). */
  index: number;
  /** Position in this worker's list of connections. */
  slot: number;
  /** Reconnect and recovery state (plans with `reconnect` only). */
  recovering: Recovering | undefined;
}

/** What the connections need from their worker. */
export interface WorkerConnectionsContext {
  plan: WorkerPlan;
  dialect: Dialect;
  topicNames: readonly string[];
  tally: WorkerTally;
  /** Set in plans with `reconnect`. */
  recovery: Recovery | undefined;
  /** Progress lines to the coordinator. */
  send: (message: WorkerMessage) => void;
}

/** Every connection of one worker process. */
export class WorkerConnections {
  private readonly conns: Conn[] = [];
  /** Each connection's current socket by slot (a reconnect replaces it): where reconnecting workers publish. */
  readonly liveSockets: RawWebSocket[] = [];
  private readonly measuresLatency: boolean;
  private closing = false;
  // Receive time of the current TCP chunk, read lazily: every frame in one chunk arrived together.
  private chunkUs = -1;
  private onAllSettled: (() => void) | undefined;

  constructor(private readonly ctx: WorkerConnectionsContext) {
    this.measuresLatency = ctx.plan.role === 'probes' || ctx.plan.role === 'rpc';
  }

  /** Opens the plan's connections at its connect rate; resolves once each is subscribed or failed. */
  async connectAll(): Promise<ConnectResult> {
    const { plan, tally, send } = this.ctx;
    const progress = setInterval(() => send({ type: 'progress', open: tally.open, failed: tally.failed }), PROGRESS_EVERY_MS);
    const allSettled = new Promise<void>((resolve) => {
      this.onAllSettled = resolve;
      if (plan.connections === 0) resolve();
    });
    await runSchedule({ rate: plan.connectRate, count: plan.connections, send: (i) => this.openConnection(i) });
    await allSettled;
    clearInterval(progress);
    send({ type: 'progress', open: tally.open, failed: tally.failed });
    return { open: tally.open, failed: tally.failed, connectHistogram: tally.encodedConnectTimes(), errors: tally.errors };
  }

  /** Sockets open right now. */
  openSockets(): RawWebSocket[] {
    return this.conns.filter((conn) => conn.ws.isOpen).map((conn) => conn.ws);
  }

  /** Starts the measurement window on every connection. */
  mark(): void {
    for (const conn of this.conns) conn.state.mark();
  }

  /** Connections that heard at least one message on each of their topics since the mark. */
  alive(): number {
    let alive = 0;
    for (const conn of this.conns) if (conn.ws.isOpen && conn.state.topics.length > 0 && conn.state.aliveSinceMark()) alive++;
    return alive;
  }

  /** The drain scenario's reconnect bookkeeping; null in plans without `reconnect`. */
  reconnectReport(): ReconnectReport | null {
    return this.ctx.recovery?.report(this.conns.map((conn) => ({ recovering: conn.recovering, isOpen: conn.ws.isOpen }))) ?? null;
  }

  /** Everything measured, with histograms encoded for merging. */
  report(): WorkerReport {
    const { plan, tally } = this.ctx;
    const tallies = new Map<number, TopicTally>();
    for (const conn of this.conns) if (conn.settled && conn.state.topics.length > 0) conn.state.addTo(tallies);
    return {
      ...tally.snapshot(this.alive()),
      role: plan.role,
      receivedTotal: tally.receivedTotal,
      topics: [...tallies.values()],
      latencyHistogram: tally.encodedLatency(),
      closedUnexpectedly: tally.closedUnexpectedly,
      errors: tally.errors,
      rpc: plan.role === 'rpc' ? tally.rpc : undefined,
      reconnects: this.reconnectReport() ?? undefined,
    };
  }

  /** Resets every socket; closes from here on are the run's own, not the server's. */
  closeAll(): void {
    this.closing = true;
    for (const conn of this.conns) conn.ws.reset();
  }

  private chunkTime(): number {
    return this.chunkUs < 0 ? (this.chunkUs = nowUs()) : this.chunkUs;
  }

  private settle(conn: Conn, ok: boolean, reason?: string): void {
    if (conn.settled) return;
    const { tally } = this.ctx;
    conn.settled = true;
    tally.settled++;
    conn.ok = ok;
    if (ok) {
      tally.open++;
      tally.recordConnect(nowUs() - conn.startedUs);
    } else {
      tally.failed++;
      tally.noteError(reason ?? 'failed');
      conn.ws.destroy();
    }
    if (tally.settled === this.ctx.plan.connections) this.onAllSettled?.();
  }

  private onReady(conn: Conn): void {
    const { recovery, dialect, topicNames } = this.ctx;
    if (conn.state.topics.length === 0) {
      if (conn.settled && conn.recovering !== undefined && recovery!.resubscribedNow(conn.recovering)) this.backUp(conn);
      else this.settle(conn, true);
    } else if (conn.recovering !== undefined) conn.ws.sendBinary(recovery!.subscribeFrame(conn.recovering, SUBSCRIBE_ID));
    else dialect.subscribe(conn.ws, SUBSCRIBE_ID, Array.from(conn.state.topics, (n) => topicNames[n]!));
  }

  /** A reconnected connection is subscribed again. */
  private backUp(conn: Conn): void {
    conn.ok = true;
    this.ctx.tally.open++;
  }

  private onEvent(conn: Conn, event: TextEvent): void {
    if (event.type === 'ready') this.onReady(conn);
    else if (event.type === 'reply') this.onReply(conn, event.id, event.error, Number.NaN, event.reason);
  }

  /** Counts the delivery whose fields are in `scanned`. */
  private onDelivery(conn: Conn): void {
    this.ctx.tally.countReceived();
    if (scanned.topic >= 0) conn.state.record(scanned.topic, scanned.seq);
    const sentUs = scanned.sentUs;
    if (this.measuresLatency && sentUs === sentUs) this.ctx.tally.recordLatency(this.chunkTime(), sentUs);
  }

  private onReply(conn: Conn, id: number, error: boolean, sentUs: number, reason?: string): void {
    const { plan, tally, recovery } = this.ctx;
    if (!conn.settled && id === SUBSCRIBE_ID) {
      this.settle(conn, !error, `subscribe refused${reason ? `: ${reason}` : ''}`);
      return;
    }
    if (plan.role === 'publishers') recovery?.onPublishAnswer(id, error);
    // A publisher hears only errors (unless it asks for acks): the first kind says why the server refuses publications.
    if (plan.role === 'publishers' && error) tally.noteError(`publish refused: ${reason ?? 'error frame'}`);
    if (plan.role !== 'rpc') return;
    // Answers count as "received" so the coordinator's drain and delivered/s work for rpc too.
    tally.countReceived();
    if (error) tally.rpc.failed++;
    else tally.rpc.answered++;
    if (!error && sentUs === sentUs) tally.recordLatency(this.chunkTime(), sentUs);
  }

  private openConnection(i: number): void {
    const { plan, recovery } = this.ctx;
    const index = plan.firstIndex + i;
    const topics = plan.topicsPerConnection > 0 ? topicsFor(index, plan.topicsPerConnection, plan.topicCount) : [];
    const state = new ConnectionState(topics);
    const conn: Conn = { ws: undefined as unknown as RawWebSocket, state, startedUs: nowUs(), settled: false, ok: false, index, slot: this.conns.length, recovering: recovery?.track(state) };
    this.conns.push(conn);
    this.dial(conn);
  }

  /** Opens (or, reconnecting, reopens) a connection's socket. */
  private dial(conn: Conn): void {
    const { plan, dialect } = this.ctx;
    const index = conn.index;
    const redial = conn.ws !== undefined;
    let opened = false;
    conn.ws = new RawWebSocket(
      {
        host: plan.host,
        port: plan.port,
        path: dialect.path,
        protocols: dialect.protocols,
        // With one source address, let connect() pick the port: the kernel then reuses ports
        // across destinations, and bind-before-connect's port search is costly with many sockets.
        localAddress: plan.sourceAddresses.length > 1 ? plan.sourceAddresses[index % plan.sourceAddresses.length] : undefined,
        // Bulk subscribers also name their port (pool.ts: EXPLICIT_PORT_BASE); a reconnect lets the
        // kernel pick, since the first socket's port may still be in TIME_WAIT.
        localPort: plan.sourceAddresses.length > 1 && plan.role === 'subscribers' && !redial ? explicitSourcePort(index, plan.sourceAddresses.length) : undefined,
      },
      {
        onOpen: () => {
          opened = true;
          dialect.greet(conn.ws);
          if (dialect.readyOnOpen) this.onReady(conn);
        },
        onChunk: () => {
          this.chunkUs = -1;
        },
        onMessage: (buf, start, end, binary) => this.onMessage(conn, buf, start, end, binary),
        onClose: (code, reason) => this.onClose(conn, code, reason, opened),
      },
    );
    this.liveSockets[conn.slot] = conn.ws;
  }

  private onMessage(conn: Conn, buf: Buffer, start: number, end: number, binary: boolean): void {
    const { dialect, recovery } = this.ctx;
    if (!binary) {
      const event = dialect.onText(conn.ws, buf, start, end);
      if (event.type === 'message') this.onDelivery(conn);
      else this.onEvent(conn, event);
      return;
    }
    if (scanMessage(buf, start, end)) {
      // One WebSocket message may hold several Message frames (a coalescing server): count each.
      for (;;) {
        this.onDelivery(conn);
        const next = scanned.next;
        if (next < 0 || next >= end || !scanMessage(buf, next, end)) break;
      }
      return;
    }
    if (scanReply(buf, start, end)) {
      if (conn.recovering !== undefined && scanned.id === SUBSCRIBE_ID && conn.state.topics.length > 0) {
        const { id, sentUs } = scanned;
        if (recovery!.onSubscribeReply(conn.recovering, buf, start, end)) this.backUp(conn);
        if (!conn.settled) this.onReply(conn, id, false, sentUs);
        return;
      }
      this.onReply(conn, scanned.id, false, scanned.sentUs);
      return;
    }
    if (conn.recovering !== undefined) recovery!.onOtherBinary(conn.recovering, buf, start, end);
    this.onEvent(conn, dialect.onOtherBinary(buf, start, end));
  }

  /** `opened`: whether this socket got as far as the upgrade (a redial that never opened backs off further). */
  private onClose(conn: Conn, code: number, reason: string, opened: boolean): void {
    const { tally, recovery } = this.ctx;
    if (!conn.settled) {
      this.settle(conn, false, `${code} ${reason}`);
      return;
    }
    // Reconnect what was up or is already reconnecting; a connection that failed its first subscribe stays failed.
    if (conn.recovering !== undefined && !this.closing && (conn.ok || conn.recovering.closedUs >= 0)) {
      if (conn.ok) {
        conn.ok = false;
        tally.open--;
      }
      const delayMs = recovery!.onClose(conn.recovering, code, opened);
      setTimeout(() => {
        if (!this.closing) this.dial(conn);
      }, delayMs);
      return;
    }
    if (!conn.ok) return;
    conn.ok = false;
    tally.open--;
    if (!this.closing) {
      tally.closedUnexpectedly++;
      tally.noteError(`closed ${code} ${reason}`);
    }
  }
}
