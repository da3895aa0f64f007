/**
 * The supervisor of `switchboard --workers N`: forks N copies of the CLI as workers that share
 * the port through SO_REUSEPORT (the kernel spreads new connections; the supervisor never touches
 * a socket), restarts a crashed worker with backoff, replaces one that drains on its own SIGTERM,
 * replaces them one at a time on SIGHUP (each
 * old one drains only after its replacement reported ready, so the port is always served), and on
 * SIGTERM/SIGINT drains them all and exits.
 *
 * child_process.fork rather than node:cluster: uWS binds its own SO_REUSEPORT socket, so
 * cluster's one benefit (sharing a node:net handle through the primary) does not apply, while its
 * patching of net.listen would silently route any future node:net listener through the primary.
 * The box's merged /metrics are box-metrics.ts.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { BoxMetrics } from './box-metrics.js';
import { isOurs, WORKER_ID_ENV, type SupervisorMessage, type WorkerMessage } from './messages.js';

/** First restart delay after a crash; doubles per crash in a row. */
const RESTART_MIN_DELAY_MS = 100;
/** Longest restart delay. */
const RESTART_MAX_DELAY_MS = 5000; // 5 s
/** A worker that ran this long before crashing starts the backoff over. */
const STABLE_AFTER_MS = 10_000; // 10 s
/** How long a new worker may take to report ready before a rolling restart gives up. */
const READY_TIMEOUT_MS = 30_000; // 30 s
/** How long a worker draining on its own signal waits for the supervisor's own shutdown before it is replaced. */
const REPLACE_GRACE_MS = 250;
/** Extra time after drainMs before a draining worker is killed. */
const DRAIN_KILL_SLACK_MS = 10_000; // 10 s

/** What the supervisor runs: how many workers, how they drain, and the command that starts one. */
export interface SupervisorOptions {
  workers: number;
  /** The worker's drain window (to bound how long to wait for one). */
  drainMs: number;
  /** The CLI script and its arguments and Node flags, as this process was started. */
  script: string;
  args: readonly string[];
  execArgv: readonly string[];
  /** One line for the operator (stdout). */
  say: (line: string) => void;
}

type State = 'starting' | 'ready' | 'draining';

interface WorkerProcess {
  slot: number;
  child: ChildProcess;
  state: State;
  startedAt: number;
  ready: Promise<void>;
  exited: Promise<void>;
}

interface Slot {
  id: number;
  current: WorkerProcess | undefined;
  crashes: number;
  restartTimer: ReturnType<typeof setTimeout> | undefined;
}

/** Runs and supervises the workers. */
export class Supervisor {
  private readonly slots: Slot[];
  private readonly all = new Set<WorkerProcess>();
  private stopping = false;
  private rolling = false;
  private readonly metrics = new BoxMetrics<WorkerProcess>((worker, id) => this.tell(worker, { type: 'switchboard:collect', id }));
  /** Until every first worker is ready: an exit then fails the start instead of being restarted. */
  private starting = false;

  constructor(private readonly options: SupervisorOptions) {
    this.slots = Array.from({ length: options.workers }, (_, i) => ({ id: i + 1, current: undefined, crashes: 0, restartTimer: undefined }));
  }

  /**
   * Starts every worker; resolves with the first one's URL once all are ready. A worker that exits
   * before it was ever ready fails the start (after the others are drained): what kills one at
   * startup — Redis unreachable, the port taken — kills every replacement too, and restarting them
   * forever would hide it from whoever started us.
   */
  async start(): Promise<string> {
    this.starting = true;
    const started = this.slots.map((slot) => (slot.current = this.spawn(slot.id)));
    const failedEarly = new Promise<never>((_, reject) => {
      for (const worker of started) {
        void worker.exited.then(() => {
          if (worker.state === 'starting') reject(new Error(`worker ${worker.slot} exited before it was ready (its error is above)`));
        });
      }
    });
    const allReady = Promise.all(started.map((worker) => worker.ready.then(() => (worker as WorkerProcess & { url?: string }).url ?? '')));
    try {
      const urls = await Promise.race([allReady, failedEarly]);
      return urls[0]!;
    } catch (err) {
      await this.shutdown();
      throw err;
    } finally {
      this.starting = false;
    }
  }

  /** SIGHUP: replaces the workers one at a time, each old one drained after its replacement is ready. */
  async rollingRestart(): Promise<void> {
    if (this.rolling || this.stopping) {
      this.options.say('rolling restart already under way (or shutting down): ignored');
      return;
    }
    this.rolling = true;
    try {
      for (const slot of this.slots) {
        if (this.stopping) return;
        const old = slot.current;
        const fresh = this.spawn(slot.id);
        try {
          await withTimeout(fresh.ready, READY_TIMEOUT_MS, `worker ${slot.id}'s replacement did not report ready`);
        } catch (err) {
          this.options.say(`rolling restart stopped: ${(err as Error).message}; the old worker keeps serving`);
          fresh.child.kill('SIGKILL');
          return;
        }
        slot.current = fresh;
        if (old !== undefined) await this.retire(old);
      }
      this.options.say('rolling restart done');
    } finally {
      this.rolling = false;
    }
  }

  /** SIGTERM/SIGINT: drains every worker at once and resolves when all have exited. */
  async shutdown(): Promise<void> {
    this.stopping = true;
    for (const slot of this.slots) clearTimeout(slot.restartTimer);
    await Promise.all([...this.all].map((worker) => this.retire(worker)));
  }

  /** Drains one worker (1012 over drainMs), killing it if it overstays; resolves on its exit. */
  private async retire(worker: WorkerProcess): Promise<void> {
    if (worker.state !== 'draining') {
      worker.state = 'draining';
      // Readiness first, drain second, on one ordered channel: the worker already knows whether
      // the others serve the port when its /readyz is asked during its drain.
      this.broadcastBox();
      this.tell(worker, { type: 'switchboard:drain' });
    }
    const kill = setTimeout(() => worker.child.kill('SIGKILL'), this.options.drainMs + DRAIN_KILL_SLACK_MS);
    await worker.exited;
    clearTimeout(kill);
  }

  /**
   * A worker that drains on its own signal gets a replacement in its slot, so the box keeps N
   * workers, as it does after a crash but without the backoff. The replacement waits a moment:
   * a signal sent to the whole group (Ctrl-C, `systemctl stop`) reaches the supervisor too, and
   * then nothing is to be replaced.
   */
  private replaceLeaving(worker: WorkerProcess): void {
    const slot = this.slots[worker.slot - 1]!;
    if (this.stopping || slot.current !== worker) return;
    clearTimeout(slot.restartTimer);
    slot.restartTimer = setTimeout(() => {
      if (this.stopping || slot.current !== worker) return;
      this.options.say(`worker ${worker.slot} (pid ${worker.child.pid}) is draining on its own signal; starting a replacement`);
      slot.current = this.spawn(slot.id);
    }, REPLACE_GRACE_MS);
  }

  private spawn(slot: number): WorkerProcess {
    const child = fork(this.options.script, [...this.options.args], {
      execArgv: [...this.options.execArgv],
      env: { ...process.env, [WORKER_ID_ENV]: String(slot) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let markReady!: () => void;
    const worker: WorkerProcess & { url?: string } = {
      slot,
      child,
      state: 'starting',
      startedAt: Date.now(),
      ready: new Promise<void>((resolve) => (markReady = resolve)),
      exited: new Promise<void>((resolve) => child.once('exit', () => resolve())),
    };
    this.all.add(worker);
    child.on('message', (message: unknown) => {
      if (isOurs<WorkerMessage>(message)) this.received(worker, message, markReady);
    });
    child.once('exit', (code, signal) => this.exited(worker, code, signal));
    return worker;
  }

  private received(worker: WorkerProcess & { url?: string }, message: WorkerMessage, markReady: () => void): void {
    switch (message.type) {
      case 'switchboard:ready':
        worker.url = message.url;
        if (worker.state === 'starting') worker.state = 'ready';
        this.options.say(`worker ${worker.slot} (pid ${worker.child.pid}) ready`);
        this.broadcastBox();
        markReady();
        break;
      case 'switchboard:draining':
        // Sent only when the worker leaves on its own signal (an operator's `kill <pid>`), never
        // when we told it to drain.
        worker.state = 'draining';
        this.broadcastBox();
        this.replaceLeaving(worker);
        break;
      case 'switchboard:box-metrics':
        void this.boxMetrics().then(
          (text) => this.tell(worker, { type: 'switchboard:box-metrics', id: message.id, text }),
          () => this.tell(worker, { type: 'switchboard:box-metrics', id: message.id, text: '' }),
        );
        break;
      case 'switchboard:metrics':
        this.metrics.received(message.id, message.metrics);
        break;
      default: {
        const unknown: never = message;
        void unknown;
      }
    }
  }

  private exited(worker: WorkerProcess, code: number | null, signal: NodeJS.Signals | null): void {
    this.all.delete(worker);
    this.broadcastBox();
    const slot = this.slots[worker.slot - 1]!;
    const how = signal === null ? `code ${code}` : `signal ${signal}`;
    if (worker.state === 'draining' || this.stopping || slot.current !== worker || (this.starting && worker.state === 'starting')) {
      this.options.say(`worker ${worker.slot} (pid ${worker.child.pid}) exited (${how})`);
      return;
    }
    // A crash: its clients reconnect to the other workers at once; the slot comes back with backoff.
    if (Date.now() - worker.startedAt > STABLE_AFTER_MS) slot.crashes = 0;
    const delayMs = Math.min(RESTART_MAX_DELAY_MS, RESTART_MIN_DELAY_MS * 2 ** slot.crashes);
    slot.crashes++;
    slot.current = undefined;
    this.options.say(`worker ${worker.slot} (pid ${worker.child.pid}) died (${how}); restarting in ${delayMs} ms`);
    slot.restartTimer = setTimeout(() => {
      if (!this.stopping) slot.current = this.spawn(slot.id);
    }, delayMs);
  }

  /** Every live worker's metrics, merged (series keep their `worker` label). */
  private boxMetrics(): Promise<string> {
    return this.metrics.collect([...this.all].filter((worker) => worker.child.connected && worker.state !== 'starting'));
  }

  private broadcastBox(): void {
    const ready = [...this.all].filter((worker) => worker.state === 'ready').length;
    for (const worker of this.all) this.tell(worker, { type: 'switchboard:box', ready });
  }

  private tell(worker: WorkerProcess, message: SupervisorMessage): void {
    if (!worker.child.connected) return;
    // A worker may exit between the check and the send: its channel closing is not the
    // supervisor's failure (the exit handler deals with the worker), so the error is dropped here
    // instead of surfacing as an unhandled 'error' event that fails a shutdown.
    try {
      worker.child.send(message, (err) => void err);
    } catch {
      // Channel closed meanwhile: same as above.
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
    promise.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (err: unknown) => (clearTimeout(timer), reject(err)),
    );
  });
}
