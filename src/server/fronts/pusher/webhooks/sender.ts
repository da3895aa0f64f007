/**
 * Delivery to one webhook URL, off the hot path: events wait in a queue bounded in events and bytes
 * (event-queue.ts: member events first, waiting subscription counts replaced by newer ones), go out
 * in batches (one request at a time per URL, so a receiver sees each line in order), and a failed batch is retried
 * with exponential backoff on network errors, timeouts and 5xx, never on 4xx (the receiver said no;
 * the same body would be refused again). A full queue drops new events, counted and logged at most
 * once a minute per URL. A slow or dead receiver only ever delays its own queue: nothing here is
 * awaited by a socket, a publish or another URL.
 *
 * Shutdown (`close`): no new events; what is queued gets one attempt each, without retries, until
 * `shutdownFlushMs`; then the request in flight is aborted and the rest dropped (counted). Nothing
 * is sent after `close()` resolves.
 */
import type { WebhookEvent } from './events.js';
import { webhookBody, webhookHeaders } from './events.js';
import { EventQueue } from './event-queue.js';
import type { WebhookDelivery, WebhookTarget } from './options.js';

/** Webhook counters, plain integers read by /metrics at scrape time (events, not requests). */
export interface WebhookCounters {
  /** Events in requests the receiver answered 2xx. */
  sent: number;
  /** Events given up: a 4xx answer, or still failing after `retryForMs` (or at shutdown). */
  failed: number;
  /** Events never sent: the URL's queue was full, or the server stopped first. */
  dropped: number;
  /** Requests repeated after a network error, a timeout or a 5xx. */
  retries: number;
}

export function newWebhookCounters(): WebhookCounters {
  return { sent: 0, failed: 0, dropped: 0, retries: 0 };
}

/** Why a delivery problem is logged: the caller throttles by URL and kind. */
export type WebhookProblem = 'dropped' | 'failed';

export interface WebhookSenderDeps {
  app: { key: string; secret: string };
  target: WebhookTarget;
  delivery: WebhookDelivery;
  counters: WebhookCounters;
  /** Told about lost events (how many, and why); the caller logs it, throttled. */
  report: (problem: WebhookProblem, events: number, detail: string) => void;
  now?: () => number;
}

type Outcome = 'sent' | 'retry' | 'refused';

export class WebhookSender {
  private readonly queue: EventQueue;
  private batchTimer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private closing = false;
  private stopped = false;
  private inFlight: AbortController | undefined;
  private wakeUp: (() => void) | undefined;
  private readonly now: () => number;

  constructor(private readonly deps: WebhookSenderDeps) {
    this.now = deps.now ?? Date.now;
    this.queue = new EventQueue({ maxEvents: deps.delivery.queueLimit, maxBytes: deps.delivery.queueLimitBytes });
  }

  /** Queues an event (dropped and counted when the queue is full or the sender closed). */
  push(event: WebhookEvent): void {
    const { delivery, counters } = this.deps;
    if (this.closing) {
      counters.dropped++;
      return;
    }
    if (!this.queue.push(event)) {
      counters.dropped++;
      this.deps.report('dropped', 1, `queue full (${delivery.queueLimit} events or ${delivery.queueLimitBytes} bytes)`);
      return;
    }
    if (this.running !== undefined) return; // the running loop takes it
    if (this.queue.length >= delivery.maxBatchEvents) this.start();
    else if (this.batchTimer === undefined) {
      this.batchTimer = setTimeout(() => this.start(), delivery.batchMs);
      this.batchTimer.unref();
    }
  }

  /** Sends what is queued once, within `shutdownFlushMs`, then drops the rest. */
  async close(): Promise<void> {
    if (this.closing) return this.running;
    this.closing = true;
    this.wakeUp?.(); // a batch waiting to retry gets its one last attempt now
    if (this.running === undefined && this.queue.length > 0) this.start();
    const deadline = setTimeout(() => {
      this.stopped = true;
      this.inFlight?.abort();
    }, this.deps.delivery.shutdownFlushMs);
    try {
      await this.running;
    } finally {
      clearTimeout(deadline);
      this.stopped = true;
      this.deps.counters.dropped += this.queue.clear();
    }
  }

  private start(): void {
    clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    if (this.running !== undefined) return;
    // Events pushed while a request is out are taken by the same loop: they have waited already.
    this.running = this.drain().finally(() => (this.running = undefined));
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.stopped) {
      await this.deliver(this.queue.take(this.deps.delivery.maxBatchEvents));
    }
  }

  /** Sends one batch until it is delivered, refused or given up. */
  private async deliver(batch: WebhookEvent[]): Promise<void> {
    const { delivery, counters } = this.deps;
    // One body for every attempt: `time_ms` is when the batch was made, as Pusher documents it.
    const body = webhookBody(this.now(), batch);
    const firstTry = this.now();
    for (let attempt = 1; ; attempt++) {
      const { outcome, detail } = await this.post(body);
      if (outcome === 'sent') {
        counters.sent += batch.length;
        return;
      }
      const wait = Math.min(delivery.maxRetryDelayMs, delivery.retryBaseMs * 2 ** (attempt - 1));
      if (outcome === 'refused' || this.closing || this.now() - firstTry + wait > delivery.retryForMs) {
        if (this.stopped) counters.dropped += batch.length;
        else {
          counters.failed += batch.length;
          this.deps.report('failed', batch.length, detail);
        }
        return;
      }
      counters.retries++;
      await this.pause(wait);
    }
  }

  private async post(body: string): Promise<{ outcome: Outcome; detail: string }> {
    const { app, target, delivery } = this.deps;
    const controller = new AbortController();
    this.inFlight = controller;
    const timer = setTimeout(() => controller.abort(), delivery.timeoutMs);
    try {
      const response = await fetch(target.url, { method: 'POST', headers: webhookHeaders(app, body, target.headers), body, signal: controller.signal, redirect: 'manual' });
      // Read the answer to the end so the connection can be reused.
      await response.arrayBuffer().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) return { outcome: 'sent', detail: '' };
      return { outcome: response.status >= 500 ? 'retry' : 'refused', detail: `answered ${response.status}` };
    } catch (err) {
      return { outcome: 'retry', detail: controller.signal.aborted ? `no answer within ${delivery.timeoutMs} ms` : describe(err) };
    } finally {
      clearTimeout(timer);
      this.inFlight = undefined;
    }
  }

  /** Waits before a retry; `close()` cuts the wait short. */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      const wake = () => done();
      this.wakeUp = wake;
      function done() {
        clearTimeout(timer);
        resolve();
      }
    }).finally(() => (this.wakeUp = undefined));
  }
}

function describe(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}
