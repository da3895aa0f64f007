/**
 * Pusher apps: the credentials Pusher clients and server SDKs use (`id`, `key`, `secret`) and
 * what each app allows. Read from `options.pusher` or, for one app, from the environment.
 *
 * Apps are credentials, not namespaces: every app's channels are the server's topics, so two apps
 * with a channel of the same name share it (one core). Give apps distinct channel names, or run
 * one app per server, when their backends must not reach each other's channels.
 */
import { OptionsError } from '../../../protocol/errors.js';
import { validateWebhookDelivery, validateWebhookTargets, type WebhookDelivery, type WebhookTarget } from './webhooks/options.js';

/** One Pusher app. */
export interface PusherApp {
  /** `app_id` of the HTTP API (`/apps/:id/...`). */
  id: string;
  /** Public key clients connect with (`/app/:key`). */
  key: string;
  /** Shared secret that signs channel authorisations and HTTP API requests. */
  secret: string;
  /** Whether clients may send `client-` events on private and presence channels. @default false */
  clientEvents?: boolean;
  /**
   * Whether subscribers of non-presence channels get `pusher:subscription_count` events (and
   * webhooks the `subscription_count` event). @default false
   */
  subscriptionCount?: boolean;
  /** Where this app's webhooks go (docs/pusher.md, Webhooks). @default [] (none) */
  webhooks?: WebhookTarget[];
}

/** The `pusher` option. */
export interface PusherOptions {
  apps: PusherApp[];
  /** Batching, delays, retries and limits of webhook delivery, for every URL. @default WEBHOOK_DELIVERY_DEFAULTS */
  webhookDelivery?: Partial<WebhookDelivery>;
}

/** The settings a Pusher app may have. */
const APP_FIELDS = ['id', 'key', 'secret', 'clientEvents', 'subscriptionCount', 'webhooks'];

/**
 * The app from `SWITCHBOARD_PUSHER_APP_ID`, `_KEY` and `_SECRET`, when all three are set;
 * `_CLIENT_EVENTS=true` and `_SUBSCRIPTION_COUNT=true` turn those on, `_WEBHOOK_URL` sends it
 * every webhook event.
 */
export function pusherFromEnv(env: NodeJS.ProcessEnv): PusherOptions | undefined {
  const id = env.SWITCHBOARD_PUSHER_APP_ID;
  const key = env.SWITCHBOARD_PUSHER_KEY;
  const secret = env.SWITCHBOARD_PUSHER_SECRET;
  if (!id && !key && !secret) return undefined;
  if (!id || !key || !secret) throw new OptionsError('pusher', 'set all of SWITCHBOARD_PUSHER_APP_ID, SWITCHBOARD_PUSHER_KEY and SWITCHBOARD_PUSHER_SECRET, or none');
  const app: PusherApp = { id, key, secret, clientEvents: env.SWITCHBOARD_PUSHER_CLIENT_EVENTS === 'true' };
  if (env.SWITCHBOARD_PUSHER_SUBSCRIPTION_COUNT === 'true') app.subscriptionCount = true;
  if (env.SWITCHBOARD_PUSHER_WEBHOOK_URL) app.webhooks = [{ url: env.SWITCHBOARD_PUSHER_WEBHOOK_URL }];
  return { apps: [app] };
}

/**
 * Checks the `pusher` option: at least one app, each with non-empty string id, key and secret,
 * ids and keys unique. @throws OptionsError naming the bad key.
 */
export function validatePusherOptions(value: unknown): void {
  if (typeof value !== 'object' || value === null || !Array.isArray((value as PusherOptions).apps)) throw new OptionsError('pusher', 'must be { apps: [{ id, key, secret, ... }], webhookDelivery? }');
  for (const field of Object.keys(value)) if (field !== 'apps' && field !== 'webhookDelivery') throw new OptionsError(`pusher.${field}`, 'is not a Pusher setting (known: apps, webhookDelivery)');
  const delivery = (value as PusherOptions).webhookDelivery;
  if (delivery !== undefined) validateWebhookDelivery(delivery);
  const apps = (value as PusherOptions).apps;
  if (apps.length === 0) throw new OptionsError('pusher.apps', 'must list at least one app');
  const ids = new Set<string>();
  const keys = new Set<string>();
  apps.forEach((app, i) => {
    const at = `pusher.apps[${i}]`;
    if (typeof app !== 'object' || app === null) throw new OptionsError(at, 'must be an object');
    for (const field of ['id', 'key', 'secret'] as const) {
      if (typeof app[field] !== 'string' || app[field] === '') throw new OptionsError(`${at}.${field}`, 'must be a non-empty string');
    }
    // The key travels in the URL path and the id in API paths: keep them to one path segment.
    if (!/^[A-Za-z0-9_.-]+$/.test(app.key)) throw new OptionsError(`${at}.key`, 'may contain only letters, digits, _ . -');
    if (!/^[A-Za-z0-9_.-]+$/.test(app.id)) throw new OptionsError(`${at}.id`, 'may contain only letters, digits, _ . -');
    for (const flag of ['clientEvents', 'subscriptionCount'] as const) {
      if (app[flag] !== undefined && typeof app[flag] !== 'boolean') throw new OptionsError(`${at}.${flag}`, 'must be a boolean');
    }
    if (app.webhooks !== undefined) validateWebhookTargets(app.webhooks, `${at}.webhooks`);
    for (const field of Object.keys(app)) if (!APP_FIELDS.includes(field)) throw new OptionsError(`${at}.${field}`, `is not a Pusher app setting (known: ${APP_FIELDS.join(', ')})`);
    if (ids.has(app.id)) throw new OptionsError(`${at}.id`, `duplicate app id "${app.id}"`);
    if (keys.has(app.key)) throw new OptionsError(`${at}.key`, `duplicate app key "${app.key}"`);
    ids.add(app.id);
    keys.add(app.key);
  });
}

/** Apps by key (WebSocket) and by id (HTTP API). */
export class PusherApps {
  private readonly byKey = new Map<string, PusherApp>();
  private readonly byId = new Map<string, PusherApp>();

  constructor(options: PusherOptions) {
    for (const app of options.apps) {
      this.byKey.set(app.key, app);
      this.byId.set(app.id, app);
    }
  }

  withKey(key: string): PusherApp | undefined {
    return this.byKey.get(key);
  }

  withId(id: string): PusherApp | undefined {
    return this.byId.get(id);
  }

  all(): PusherApp[] {
    return [...this.byId.values()];
  }
}
