/**
 * A generator worker process: opens its share of connections, subscribes, publishes or calls RPC on
 * a fixed schedule, counts what arrives, checks sequence numbers, and (probes and rpc callers only)
 * records latency. Commands arrive over the IPC channel from the coordinator (ipc.ts). It exits by
 * itself when the coordinator goes away or its lifetime runs out.
 */
import { nowUs } from './clock.js';
import { ConnectionState, topicsFor } from './connection-state.js';
import { dialectFor, type TextEvent } from '../dialects/dialect.js';
import { encodeHistogram, newHistogram } from './histogram.js';
import type { Command, ConnectResult, Request, RpcResult, Snapshot, TopicTally, WorkerMessage, WorkerPlan, WorkerReport } from './ipc.js';
import { scanMessage, scanned, scanReply, topicName } from '../dialects/message-scan.js';
import { Recovery, type Recovering } from './recovery.js';
import { runSchedule } from './schedule.js';
import { callOnSchedule, publishOnSchedule } from './senders.js';
import { explicitSourcePort } from './source-ports.js';
import { RawWebSocket } from './ws/raw-websocket.js';

const SUBSCRIBE_ID = 1;
const MAX_ERRORS_KEPT = 5;
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

function send(message: WorkerMessage): void {
  // The coordinator may already be gone (aborted run): then there is no one to tell.
  if (process.connected) process.send?.(message);
}

function startWorker(plan: WorkerPlan): void {
  const dialect = dialectFor(plan.dialect, plan.role);
  const measuresLatency = plan.role === 'probes' || plan.role === 'rpc';
  const topicNames = Array.from({ length: plan.topicCount }, (_, n) => topicName(n));
  const conns: Conn[] = [];
  const latency = newHistogram();
  const connectTimes = newHistogram();
  const errors: string[] = [];
  const rpc: RpcResult = { sent: 0, answered: 0, failed: 0 };
  const publishedSeqs: number[] = [];
  const recovery = plan.reconnect ? new Recovery(topicNames) : undefined;
  // Reconnecting workers publish through each connection's current socket (a reconnect replaces
  // it), and ask for acknowledgements (see recovery.ts).
  const liveSockets: RawWebSocket[] = [];
  const sendDialect = recovery === undefined ? dialect : { ...dialect, publish: (ws: RawWebSocket, topic: string, data: unknown) => ws.sendBinary(recovery.publishFrame(topic, data)) };
  let open = 0;
  let failed = 0;
  let settledCount = 0;
  let closedUnexpectedly = 0;
  let closing = false;
  let receivedTotal = 0;
  let received = 0;
  let markCpu = process.cpuUsage();
  let markWallUs = nowUs();
  // Receive time of the current TCP chunk, read lazily: every frame in one chunk arrived together.
  let chunkUs = -1;
  let onAllSettled: (() => void) | undefined;

  const noteError = (reason: string) => {
    if (errors.length < MAX_ERRORS_KEPT && !errors.includes(reason)) errors.push(reason);
  };
  const chunkTime = () => (chunkUs < 0 ? (chunkUs = nowUs()) : chunkUs);

  const settle = (conn: Conn, ok: boolean, reason?: string) => {
    if (conn.settled) return;
    conn.settled = true;
    settledCount++;
    conn.ok = ok;
    if (ok) {
      open++;
      connectTimes.recordValue(Math.max(1, Math.round(nowUs() - conn.startedUs)));
    } else {
      failed++;
      noteError(reason ?? 'failed');
      conn.ws.destroy();
    }
    if (settledCount === plan.connections) onAllSettled?.();
  };

  const onReady = (conn: Conn) => {
    if (conn.state.topics.length === 0) {
      if (conn.settled && conn.recovering !== undefined && recovery!.resubscribedNow(conn.recovering)) backUp(conn);
      else settle(conn, true);
    } else if (conn.recovering !== undefined) conn.ws.sendBinary(recovery!.subscribeFrame(conn.recovering, SUBSCRIBE_ID));
    else dialect.subscribe(conn.ws, SUBSCRIBE_ID, Array.from(conn.state.topics, (n) => topicNames[n]!));
  };

  /** A reconnected connection is subscribed again. */
  const backUp = (conn: Conn) => {
    conn.ok = true;
    open++;
  };

  const onEvent = (conn: Conn, event: TextEvent) => {
    if (event.type === 'ready') onReady(conn);
    else if (event.type === 'reply') onReply(conn, event.id, event.error, Number.NaN, event.reason);
  };

  /** Counts the delivery whose fields are in `scanned`. */
  const onDelivery = (conn: Conn) => {
    receivedTotal++;
    received++;
    if (scanned.topic >= 0) conn.state.record(scanned.topic, scanned.seq);
    const sentUs = scanned.sentUs;
    if (measuresLatency && sentUs === sentUs) latency.recordValue(Math.max(1, Math.round(chunkTime() - sentUs)));
  };

  const onReply = (conn: Conn, id: number, error: boolean, sentUs: number, reason?: string) => {
    if (!conn.settled && id === SUBSCRIBE_ID) {
      settle(conn, !error, `subscribe refused${reason ? `: ${reason}` : ''}`);
      return;
    }
    if (plan.role === 'publishers') recovery?.onPublishAnswer(id, error);
    // A publisher hears only errors (unless it asks for acks): the first kind says why the server refuses publications.
    if (plan.role === 'publishers' && error) noteError(`publish refused: ${reason ?? 'error frame'}`);
    if (plan.role !== 'rpc') return;
    // Answers count as "received" so the coordinator's drain and delivered/s work for rpc too.
    received++;
    receivedTotal++;
    if (error) rpc.failed++;
    else rpc.answered++;
    if (!error && sentUs === sentUs) latency.recordValue(Math.max(1, Math.round(chunkTime() - sentUs)));
  };

  const openConnection = (i: number) => {
    const index = plan.firstIndex + i;
    const topics = plan.topicsPerConnection > 0 ? topicsFor(index, plan.topicsPerConnection, plan.topicCount) : [];
    const state = new ConnectionState(topics);
    const conn: Conn = { ws: undefined as unknown as RawWebSocket, state, startedUs: nowUs(), settled: false, ok: false, index, slot: conns.length, recovering: recovery?.track(state) };
    conns.push(conn);
    dial(conn);
  };

  /** Opens (or, reconnecting, reopens) a connection's socket. */
  const dial = (conn: Conn) => {
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
        onOpen() {
          opened = true;
          dialect.greet(conn.ws);
          if (dialect.readyOnOpen) onReady(conn);
        },
        onChunk() {
          chunkUs = -1;
        },
        onMessage(buf, start, end, binary) {
          if (!binary) {
            const event = dialect.onText(conn.ws, buf, start, end);
            if (event.type === 'message') onDelivery(conn);
            else onEvent(conn, event);
            return;
          }
          if (scanMessage(buf, start, end)) {
            // One WebSocket message may hold several Message frames (a coalescing server): count each.
            for (;;) {
              onDelivery(conn);
              const next = scanned.next;
              if (next < 0 || next >= end || !scanMessage(buf, next, end)) break;
            }
            return;
          }
          if (scanReply(buf, start, end)) {
            if (conn.recovering !== undefined && scanned.id === SUBSCRIBE_ID && conn.state.topics.length > 0) {
              const { id, sentUs } = scanned;
              if (recovery!.onSubscribeReply(conn.recovering, buf, start, end)) backUp(conn);
              if (!conn.settled) onReply(conn, id, false, sentUs);
              return;
            }
            onReply(conn, scanned.id, false, scanned.sentUs);
            return;
          }
          if (conn.recovering !== undefined) recovery!.onOtherBinary(conn.recovering, buf, start, end);
          onEvent(conn, dialect.onOtherBinary(buf, start, end));
        },
        onClose(code, reason) {
          if (!conn.settled) {
            settle(conn, false, `${code} ${reason}`);
            return;
          }
          // Reconnect what was up or is already reconnecting; a connection that failed its first subscribe stays failed.
          if (conn.recovering !== undefined && !closing && (conn.ok || conn.recovering.closedUs >= 0)) {
            if (conn.ok) {
              conn.ok = false;
              open--;
            }
            const delayMs = recovery!.onClose(conn.recovering, code, opened);
            setTimeout(() => {
              if (!closing) dial(conn);
            }, delayMs);
            return;
          }
          if (!conn.ok) return;
          conn.ok = false;
          open--;
          if (!closing) {
            closedUnexpectedly++;
            noteError(`closed ${code} ${reason}`);
          }
        },
      },
    );
    liveSockets[conn.slot] = conn.ws;
  };

  const connectAll = async (): Promise<ConnectResult> => {
    const progress = setInterval(() => send({ type: 'progress', open, failed }), PROGRESS_EVERY_MS);
    const allSettled = new Promise<void>((resolve) => {
      onAllSettled = resolve;
      if (plan.connections === 0) resolve();
    });
    await runSchedule({ rate: plan.connectRate, count: plan.connections, send: (i) => openConnection(i) });
    await allSettled;
    clearInterval(progress);
    send({ type: 'progress', open, failed });
    return { open, failed, connectHistogram: encodeHistogram(connectTimes), errors };
  };

  const openSockets = () => conns.filter((conn) => conn.ws.isOpen).map((conn) => conn.ws);

  const snapshot = (): Snapshot => {
    const cpu = process.cpuUsage(markCpu);
    let alive = 0;
    for (const conn of conns) if (conn.ws.isOpen && conn.state.topics.length > 0 && conn.state.aliveSinceMark()) alive++;
    return { received, cpuUs: cpu.user + cpu.system, wallUs: nowUs() - markWallUs, open, alive };
  };

  const reconnectReport = () => recovery?.report(conns.map((conn) => ({ recovering: conn.recovering, isOpen: conn.ws.isOpen }))) ?? null;

  const report = (): WorkerReport => {
    const tallies = new Map<number, TopicTally>();
    for (const conn of conns) if (conn.settled && conn.state.topics.length > 0) conn.state.addTo(tallies);
    return {
      ...snapshot(),
      role: plan.role,
      receivedTotal,
      topics: [...tallies.values()],
      latencyHistogram: encodeHistogram(latency),
      closedUnexpectedly,
      errors,
      rpc: plan.role === 'rpc' ? rpc : undefined,
      reconnects: reconnectReport() ?? undefined,
    };
  };

  const closeAll = async (): Promise<null> => {
    closing = true;
    for (const conn of conns) conn.ws.reset();
    setTimeout(() => process.exit(0), 200);
    return null;
  };

  const run = (command: Command): unknown => {
    switch (command.type) {
      case 'connect':
        return connectAll();
      case 'publish':
        return publishOnSchedule(recovery === undefined ? openSockets() : liveSockets, sendDialect, topicNames, command, publishedSeqs, plan.publication);
      case 'reconnects':
        return reconnectReport();
      case 'rpc':
        return callOnSchedule(openSockets(), dialect, command, rpc);
      case 'mark':
        received = 0;
        markCpu = process.cpuUsage();
        markWallUs = nowUs();
        for (const conn of conns) conn.state.mark();
        latency.reset();
        return null;
      case 'snapshot':
        return snapshot();
      case 'report':
        return report();
      case 'close':
        return closeAll();
      default: {
        const unknown: never = command;
        throw new Error(`unknown command ${JSON.stringify(unknown)}`);
      }
    }
  };

  process.on('message', (message: Request) => {
    Promise.resolve()
      .then(() => run(message.command))
      .then(
        (result) => send({ type: 'answer', req: message.req, result: result ?? null }),
        (err: unknown) => send({ type: 'failed', req: message.req, error: err instanceof Error ? err.message : String(err) }),
      );
  });
}

// The first IPC message is the plan; every later one is a Request.
process.once('message', (plan: WorkerPlan) => {
  setTimeout(() => process.exit(3), plan.lifetimeMs).unref();
  startWorker(plan);
  send({ type: 'answer', req: 0, result: null });
});
process.on('disconnect', () => process.exit(0));
