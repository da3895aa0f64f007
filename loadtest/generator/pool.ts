/**
 * Generator worker processes seen from the coordinator: fork with a plan, send commands, await
 * answers, follow progress. Processes rather than threads because the open-file limit (one fd per
 * connection) is per process.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { buildEntries, entryPath } from '../build.js';
import type { Command, WorkerMessage, WorkerPlan } from './ipc.js';
import { EXPLICIT_PORTS } from './source-ports.js';

// File descriptors a worker keeps for itself (stdio, IPC, libuv's epoll and signal fds, …): the rest are connections.
const FD_RESERVE = 200;
// Ephemeral ports one source address gives towards one destination (Linux default range 32768–60999).
const DEFAULT_PORT_RANGE = 28_232;

/** The per-process open-file limit (`ulimit -n`). */
export function openFileLimit(): number {
  try {
    const text = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
    return text === 'unlimited' ? 1_048_576 : Number(text) || 1024;
  } catch {
    return 1024;
  }
}

/** Most connections one worker process can hold. */
export function connectionsPerProcess(): number {
  return Math.max(1, openFileLimit() - FD_RESERVE);
}

/** Ports per source address, from /proc/sys/net/ipv4/ip_local_port_range. */
export function ephemeralPorts(): number {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low !== undefined && high !== undefined && high > low) return high - low + 1;
  } catch {
    // not Linux: assume the default range
  }
  return DEFAULT_PORT_RANGE;
}

/**
 * Source addresses 127.0.0.1 … 127.0.0.N so no address needs more than ~80 % of its ephemeral
 * ports (each bound source address has its own port space).
 */
export function sourceAddresses(connections: number, minimum = 1): string[] {
  const perAddress = Math.min(Math.floor(ephemeralPorts() * 0.8), EXPLICIT_PORTS);
  const count = Math.min(250, Math.max(minimum, Math.ceil(connections / perAddress)));
  return Array.from({ length: count }, (_, i) => `127.0.0.${i + 1}`);
}

export class WorkerHandle {
  /** Latest progress the worker reported. */
  progress = { open: 0, failed: 0 };
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private nextReq = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();

  private constructor(readonly plan: WorkerPlan) {
    this.child = fork(entryPath('worker'), [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    this.child.on('message', (message: WorkerMessage) => this.onMessage(message));
    this.exited.then((code) => {
      for (const { reject } of this.pending.values()) reject(new Error(`${plan.role} worker exited (${code}) before answering`));
      this.pending.clear();
    });
  }

  /** Forks a worker and hands it its plan. */
  static async start(plan: WorkerPlan): Promise<WorkerHandle> {
    await buildEntries();
    const handle = new WorkerHandle(plan);
    await new Promise((resolve, reject) => {
      handle.pending.set(0, { resolve, reject });
      handle.child.send(plan);
    });
    return handle;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Sends a command and resolves with the worker's answer. */
  request<T>(command: Command): Promise<T> {
    const req = this.nextReq++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(req, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ req, command });
    });
  }

  /** Asks the worker to close its connections and exit; kills it if it lingers. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.request({ type: 'close' }).catch(() => {});
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }

  private onMessage(message: WorkerMessage): void {
    if (message.type === 'progress') {
      this.progress = { open: message.open, failed: message.failed };
      return;
    }
    const waiter = this.pending.get(message.req);
    if (waiter === undefined) return;
    this.pending.delete(message.req);
    if (message.type === 'answer') waiter.resolve(message.result);
    else waiter.reject(new Error(`${this.plan.role} worker: ${message.error}`));
  }
}
