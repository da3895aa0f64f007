/**
 * Webhook settings: where an app's webhooks go (`pusher.apps[i].webhooks`) and how the server
 * delivers them (`pusher.webhookDelivery`, one set of timings for every URL). Validation throws
 * OptionsError naming the bad key; defaults live in WEBHOOK_DELIVERY_DEFAULTS.
 */
import { OptionsError } from '../../../../protocol/errors.js';

/** The webhook event types, as Pusher names them. */
export const WEBHOOK_EVENT_TYPES = ['channel_occupied', 'channel_vacated', 'member_added', 'member_removed', 'client_event', 'subscription_count'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** One webhook URL of an app. */
export interface WebhookTarget {
  /** `http:` or `https:` URL the events are POSTed to. */
  url: string;
  /** Which events this URL gets. @default every type in WEBHOOK_EVENT_TYPES */
  eventTypes?: WebhookEventType[];
  /** Extra request headers (an `Authorization` for the receiver, say); ours win on a clash. @default {} */
  headers?: Record<string, string>;
}

/** How webhooks are delivered, for every URL of every app. */
export interface WebhookDelivery {
  /** Events wait this long to be sent together in one request. @default 250 (ms, Pusher's window) */
  batchMs: number;
  /** Most events in one request (a full batch goes at once). @default 20 (Pusher's) */
  maxBatchEvents: number;
  /**
   * `channel_vacated` and `member_removed` wait this long; if the channel is occupied again (the
   * user is back) meanwhile, neither event is sent: a page reload is not a leave. @default 3000 (ms)
   */
  removalDelayMs: number;
  /** Events waiting per URL (member events and the rest each); more are dropped and counted. @default 10000 */
  queueLimit: number;
  /**
   * Bytes of events (as JSON) waiting per URL, member events and the rest each; more are dropped
   * and counted. Bounds memory where a count cannot: 10,000 client events of 60 KB are 600 MB.
   * @default 4194304 (4 MiB)
   */
  queueLimitBytes: number;
  /** One request may take this long before it counts as failed. @default 4000 (ms, what Pusher allows a receiver) */
  timeoutMs: number;
  /** First retry after this; each next one waits twice as long, up to `maxRetryDelayMs`. @default 1000 (ms) */
  retryBaseMs: number;
  /** Longest wait between two attempts. @default 60000 (ms) */
  maxRetryDelayMs: number;
  /** A batch is given up when it has failed for this long. @default 300000 (ms, 5 min, as Pusher retries) */
  retryForMs: number;
  /** On shutdown, what is queued gets one attempt within this time; the rest is dropped. @default 2000 (ms) */
  shutdownFlushMs: number;
}

export const WEBHOOK_DELIVERY_DEFAULTS: Readonly<WebhookDelivery> = Object.freeze({
  batchMs: 250,
  maxBatchEvents: 20,
  removalDelayMs: 3000,
  queueLimit: 10_000,
  queueLimitBytes: 4 * 1024 * 1024,
  timeoutMs: 4000,
  retryBaseMs: 1000,
  maxRetryDelayMs: 60_000,
  retryForMs: 5 * 60_000,
  shutdownFlushMs: 2000,
});

/** The delivery settings with defaults filled in. */
export function resolveWebhookDelivery(value: Partial<WebhookDelivery> | undefined): WebhookDelivery {
  return { ...WEBHOOK_DELIVERY_DEFAULTS, ...value };
}

// An HTTP header name (RFC 9110 token).
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Checks an app's `webhooks` list. @throws OptionsError naming the bad key. */
export function validateWebhookTargets(value: unknown, at: string): void {
  if (!Array.isArray(value)) throw new OptionsError(at, 'must be an array of { url, eventTypes?, headers? }');
  value.forEach((target: unknown, i) => {
    const here = `${at}[${i}]`;
    if (typeof target !== 'object' || target === null) throw new OptionsError(here, 'must be an object');
    const { url, eventTypes, headers } = target as Record<string, unknown>;
    if (typeof url !== 'string' || !isHttpUrl(url)) throw new OptionsError(`${here}.url`, 'must be an http: or https: URL');
    if (eventTypes !== undefined) {
      if (!Array.isArray(eventTypes) || eventTypes.length === 0) throw new OptionsError(`${here}.eventTypes`, 'must be a non-empty array');
      for (const type of eventTypes) {
        if (!(WEBHOOK_EVENT_TYPES as readonly unknown[]).includes(type)) throw new OptionsError(`${here}.eventTypes`, `unknown event type ${JSON.stringify(type)} (known: ${WEBHOOK_EVENT_TYPES.join(', ')})`);
      }
    }
    if (headers !== undefined) {
      if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) throw new OptionsError(`${here}.headers`, 'must be an object of header name → string');
      for (const [name, text] of Object.entries(headers)) {
        if (!HEADER_NAME.test(name) || typeof text !== 'string' || /[\r\n\0]/.test(text)) throw new OptionsError(`${here}.headers.${name}`, 'must be a valid header name with a string value');
      }
    }
    for (const field of Object.keys(target)) {
      if (!['url', 'eventTypes', 'headers'].includes(field)) throw new OptionsError(`${here}.${field}`, 'is not a webhook setting (known: url, eventTypes, headers)');
    }
  });
}

/** Checks `pusher.webhookDelivery`. @throws OptionsError naming the bad key. */
export function validateWebhookDelivery(value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new OptionsError('pusher.webhookDelivery', 'must be an object');
  for (const [key, setting] of Object.entries(value)) {
    if (!Object.hasOwn(WEBHOOK_DELIVERY_DEFAULTS, key)) throw new OptionsError(`pusher.webhookDelivery.${key}`, `is not a delivery setting (known: ${Object.keys(WEBHOOK_DELIVERY_DEFAULTS).join(', ')})`);
    if (typeof setting !== 'number' || !Number.isInteger(setting) || setting < 0) throw new OptionsError(`pusher.webhookDelivery.${key}`, 'must be a non-negative integer');
    if ((key === 'maxBatchEvents' || key === 'queueLimit' || key === 'queueLimitBytes' || key === 'timeoutMs') && setting === 0) throw new OptionsError(`pusher.webhookDelivery.${key}`, 'must be at least 1');
  }
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
