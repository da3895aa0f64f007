/**
 * Webhook events and requests as Pusher sends them, pure: the event shapes, the body
 * `{ time_ms, events }` and the headers that let a receiver check it came from us
 * (`X-Pusher-Key`, and `X-Pusher-Signature` = hex HMAC-SHA256 of the raw body under the app's
 * secret; pusher-http-node's `webhook().isValid()` checks exactly this).
 */
import { sign } from '../signature.js';
import type { WebhookEventType } from './options.js';

/** One event of a webhook's `events` list. */
export type WebhookEvent =
  | { name: 'channel_occupied' | 'channel_vacated'; channel: string }
  | { name: 'member_added' | 'member_removed'; channel: string; user_id: string }
  | { name: 'client_event'; channel: string; event: string; data: string; socket_id: string; user_id?: string }
  | { name: 'subscription_count'; channel: string; subscription_count: number };

// A compile-time check that every event name is a configurable type and the other way round.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const namesMatch: Same<WebhookEvent['name'], WebhookEventType> = true;
void namesMatch;

/** The request body: when the batch was made and its events. */
export function webhookBody(timeMs: number, events: readonly WebhookEvent[]): string {
  return JSON.stringify({ time_ms: timeMs, events });
}

/**
 * The request headers: the target's own, then ours (which win). pusher-http-node accepts only
 * exactly `application/json` as the content type, so no charset parameter.
 */
export function webhookHeaders(app: { key: string; secret: string }, body: string, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(extra)) headers[name.toLowerCase()] = value;
  headers['content-type'] = 'application/json';
  headers['x-pusher-key'] = app.key;
  headers['x-pusher-signature'] = sign(app.secret, body);
  return headers;
}
