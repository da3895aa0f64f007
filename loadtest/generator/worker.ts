/**
 * A generator worker process: opens its share of connections, subscribes, publishes or calls RPC on
 * a fixed schedule, counts what arrives, checks sequence numbers, and (probes and rpc callers only)
 * records latency. Commands arrive over the IPC channel from the coordinator (ipc.ts). It exits by
 * itself when the coordinator goes away or its lifetime runs out.
 *
 * This file is the process and its command dispatch; the connections live in
 * worker-connections.ts, the counters in worker-tally.ts.
 */
import { dialectFor, type Dialect } from '../dialects/dialect.js';
import type { Command, Request, WorkerMessage, WorkerPlan } from './ipc.js';
import { topicName } from '../dialects/message-scan.js';
import { Recovery } from './recovery.js';
import { callOnSchedule, publishOnSchedule } from './senders.js';
import { WorkerConnections } from './worker-connections.js';
import { WorkerTally } from './worker-tally.js';
import type { RawWebSocket } from './ws/raw-websocket.js';

function send(message: WorkerMessage): void {
  // The coordinator may already be gone (aborted run): then there is no one to tell.
  if (process.connected) process.send?.(message);
}

/** One worker process's state, and what each coordinator command does to it. */
class Worker {
  private readonly dialect: Dialect;
  private readonly topicNames: string[];
  private readonly tally = new WorkerTally();
  private readonly recovery: Recovery | undefined;
  private readonly connections: WorkerConnections;
  /** The dialect publishers send with: reconnecting workers ask for acknowledgements (see recovery.ts). */
  private readonly sendDialect: Dialect;
  private readonly publishedSeqs: number[] = [];

  constructor(private readonly plan: WorkerPlan) {
    this.dialect = dialectFor(plan.dialect, plan.role);
    this.topicNames = Array.from({ length: plan.topicCount }, (_, n) => topicName(n));
    this.recovery = plan.reconnect ? new Recovery(this.topicNames) : undefined;
    const recovery = this.recovery;
    this.sendDialect = recovery === undefined ? this.dialect : { ...this.dialect, publish: (ws: RawWebSocket, topic: string, data: unknown) => ws.sendBinary(recovery.publishFrame(topic, data)) };
    this.connections = new WorkerConnections({ plan, dialect: this.dialect, topicNames: this.topicNames, tally: this.tally, recovery, send });
  }

  run(command: Command): unknown {
    switch (command.type) {
      case 'connect':
        return this.connections.connectAll();
      case 'publish':
        // Reconnecting workers publish through each connection's current socket (a reconnect replaces it).
        return publishOnSchedule(this.recovery === undefined ? this.connections.openSockets() : this.connections.liveSockets, this.sendDialect, this.topicNames, command, this.publishedSeqs, this.plan.publication);
      case 'reconnects':
        return this.connections.reconnectReport();
      case 'rpc':
        return callOnSchedule(this.connections.openSockets(), this.dialect, command, this.tally.rpc);
      case 'mark':
        this.tally.mark();
        this.connections.mark();
        return null;
      case 'snapshot':
        return this.tally.snapshot(this.connections.alive());
      case 'report':
        return this.connections.report();
      case 'close':
        this.connections.closeAll();
        setTimeout(() => process.exit(0), 200);
        return null;
      default: {
        const unknown: never = command;
        throw new Error(`unknown command ${JSON.stringify(unknown)}`);
      }
    }
  }
}

function startWorker(plan: WorkerPlan): void {
  const worker = new Worker(plan);
  process.on('message', (message: Request) => {
    Promise.resolve()
      .then(() => worker.run(message.command))
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
