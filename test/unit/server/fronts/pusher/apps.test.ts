/** The `pusher` option's checks and the one-app environment, webhooks and subscription counting included. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OptionsError } from '../../../../../src/protocol/errors.js';
import { pusherFromEnv, validatePusherOptions } from '../../../../../src/server/fronts/pusher/apps.js';

const app = { id: '1', key: 'k', secret: 's' };
const refused = (value: unknown, key: string) => assert.throws(() => validatePusherOptions(value), (err: unknown) => err instanceof OptionsError && err.message.includes(key));

test('webhooks and subscriptionCount are app settings; every field is checked and named when wrong', () => {
  validatePusherOptions({ apps: [{ ...app, subscriptionCount: true, webhooks: [{ url: 'https://example.com/hook', eventTypes: ['channel_occupied', 'client_event'], headers: { Authorization: 'Bearer t' } }] }], webhookDelivery: { batchMs: 0, removalDelayMs: 0 } });
  refused({ apps: [{ ...app, subscriptionCount: 'yes' }] }, 'pusher.apps[0].subscriptionCount');
  refused({ apps: [{ ...app, webhooks: {} }] }, 'pusher.apps[0].webhooks');
  refused({ apps: [{ ...app, webhooks: [{ url: 'ftp://example.com' }] }] }, 'pusher.apps[0].webhooks[0].url');
  refused({ apps: [{ ...app, webhooks: [{ url: 'not a url' }] }] }, 'pusher.apps[0].webhooks[0].url');
  refused({ apps: [{ ...app, webhooks: [{ url: 'http://x/', eventTypes: ['channel_existence'] }] }] }, 'pusher.apps[0].webhooks[0].eventTypes');
  refused({ apps: [{ ...app, webhooks: [{ url: 'http://x/', eventTypes: [] }] }] }, 'pusher.apps[0].webhooks[0].eventTypes');
  refused({ apps: [{ ...app, webhooks: [{ url: 'http://x/', headers: { 'bad name': 'v' } }] }] }, 'pusher.apps[0].webhooks[0].headers.bad name');
  refused({ apps: [{ ...app, webhooks: [{ url: 'http://x/', headers: { 'x-a': 'line\r\nbreak' } }] }] }, 'pusher.apps[0].webhooks[0].headers.x-a');
  refused({ apps: [{ ...app, webhooks: [{ url: 'http://x/', secret: 'no' }] }] }, 'pusher.apps[0].webhooks[0].secret');
  refused({ apps: [app], webhookDelivery: { batchMs: -1 } }, 'pusher.webhookDelivery.batchMs');
  refused({ apps: [app], webhookDelivery: { queueLimit: 0 } }, 'pusher.webhookDelivery.queueLimit');
  refused({ apps: [app], webhookDelivery: { retries: 3 } }, 'pusher.webhookDelivery.retries');
  refused({ apps: [app], webhooks: [] }, 'pusher.webhooks');
});

test('the environment app: SWITCHBOARD_PUSHER_WEBHOOK_URL gets every event, _SUBSCRIPTION_COUNT turns counting on', () => {
  const base = { SWITCHBOARD_PUSHER_APP_ID: '1', SWITCHBOARD_PUSHER_KEY: 'k', SWITCHBOARD_PUSHER_SECRET: 's' };
  assert.deepEqual(pusherFromEnv(base), { apps: [{ ...app, clientEvents: false }] });
  const full = pusherFromEnv({ ...base, SWITCHBOARD_PUSHER_WEBHOOK_URL: 'http://127.0.0.1:8080/pusher', SWITCHBOARD_PUSHER_SUBSCRIPTION_COUNT: 'true' });
  assert.deepEqual(full, { apps: [{ ...app, clientEvents: false, subscriptionCount: true, webhooks: [{ url: 'http://127.0.0.1:8080/pusher' }] }] });
  validatePusherOptions(full);
});
