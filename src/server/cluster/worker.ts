/**
 * One worker of `switchboard --workers N`: a normal server that shares the port (SO_REUSEPORT)
 * instead of owning it, names itself, answers /metrics and /readyz for the box through the
 * supervisor (IPC), and drains with 1012 when the supervisor or a signal says so.
 */
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { ServerOptions } from '../config/options.js';
import { guardUnhandledRejections } from '../runtime/unhandled-rejections.js';
import { createServer, type Server } from '../server.js';
import { isOurs, type SupervisorMessage, type WorkerMessage } from './messages.js';
import type { WorkerRole } from '../runtime/worker-role.js';

/** How long a scrape waits for the supervisor's answer before failing (the scrape gets a 500). */
const BOX_METRICS_TIMEOUT_MS = 5000; // 5 s

/** Extra time after drainMs before a worker that cannot finish its drain exits anyway. */
const DRAIN_DEADLINE_SLACK_MS = 5000; // 5 s

function send(message: WorkerMessage): void {
  // The channel is gone when the supervisor died: nothing to tell.
  if (process.connected) process.send!(message);
}

/** The WorkerRole over this process's IPC channel. */
export class IpcWorkerRole implements WorkerRole {
  /** Set once the worker's server exists (it is created with this role). */
  logger: Logger | undefined;
  private registry: Registry | undefined;
  private readyInBox = 0;
  private nextRequest = 0;
  private readonly waiting = new Map<number, (text: string) => void>();

  constructor(readonly id: string) {}

  register(metrics: Registry): void {
    this.registry = metrics;
  }

  othersReady(): boolean {
    return this.readyInBox > 0;
  }

  boxMetrics(): Promise<string> {
    const id = this.nextRequest++;
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error('the supervisor did not answer the metrics request'));
      }, BOX_METRICS_TIMEOUT_MS);
      this.waiting.set(id, (text) => {
        clearTimeout(timer);
        resolve(text);
      });
      send({ type: 'switchboard:box-metrics', id });
    });
  }

  /** Handles one message from the supervisor (drain is the caller's business). */
  handle(message: SupervisorMessage): void {
    switch (message.type) {
      case 'switchboard:box':
        this.readyInBox = message.ready;
        break;
      case 'switchboard:collect':
        (this.registry?.getMetricsAsJSON() ?? Promise.resolve([])).then(
          (metrics) => send({ type: 'switchboard:metrics', id: message.id, metrics }),
          (err: unknown) => {
            // A collect callback threw: answer without this worker's series rather than hold the box's scrape.
            this.logger?.error({ err }, 'collecting metrics for the box failed');
            send({ type: 'switchboard:metrics', id: message.id, metrics: [] });
          },
        );
        break;
      case 'switchboard:box-metrics':
        this.waiting.get(message.id)?.(message.text);
        this.waiting.delete(message.id);
        break;
      case 'switchboard:drain':
        break;
      default: {
        const unknown: never = message;
        void unknown;
      }
    }
  }
}

/**
 * Runs this process as worker `id`: creates and starts the server, reports ready, drains and exits
 * on the supervisor's word, SIGTERM, SIGINT, or the supervisor's death (the IPC channel closing).
 */
export async function runWorker(id: string, options: Partial<ServerOptions>): Promise<Server> {
  const role = new IpcWorkerRole(id);
  const server = createServer({ ...options, worker: role });
  role.logger = server.logger;
  guardUnhandledRejections(server.logger);
  let leaving = false;
  const leave = (why: string) => {
    if (leaving) return;
    leaving = true;
    server.logger.info({ why }, 'worker leaving');
    if (why !== 'supervisor') send({ type: 'switchboard:draining' });
    setTimeout(() => process.exit(0), server.options.drainMs + DRAIN_DEADLINE_SLACK_MS).unref();
    server.drain().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('message', (message: unknown) => {
    if (!isOurs<SupervisorMessage>(message)) return;
    if (message.type === 'switchboard:drain') leave('supervisor');
    else role.handle(message);
  });
  process.once('disconnect', () => leave('supervisor gone'));
  process.on('SIGTERM', () => leave('SIGTERM'));
  // Ctrl-C in a terminal reaches every process of the group: the supervisor drains us anyway.
  process.on('SIGINT', () => leave('SIGINT'));
  // A closing terminal sends SIGHUP to the whole group; restarts are the supervisor's to order.
  process.on('SIGHUP', () => server.logger.info('SIGHUP ignored by a worker: send it to the supervisor'));
  const info = await server.listen();
  send({ type: 'switchboard:ready', url: info.url });
  return server;
}
