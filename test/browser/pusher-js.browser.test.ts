/**
 * Unmodified pusher-js in a real Chromium against the Pusher front: its own browser build
 * (node_modules/pusher-js/dist/web/pusher.js, loaded by a script tag as a site would) over the
 * browser's WebSocket, with channel authorisation over the browser's XHR to an endpoint on another
 * origin, and events from the `pusher` server SDK. The Node tests (test/integration/pusher.test.ts)
 * run pusher-js's Node build; only a browser runs the build that Laravel Echo users ship.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { serveStatic, skipWithoutChromium, useChromium, type StaticServer } from '../helpers/browser.js';
import { APP, serverSdk, startAuthEndpoint } from '../helpers/pusher.js';
import { startServer, waitFor } from '../helpers/server.js';

/** One channel event as the page saw it (pusher-js's per-channel `bind_global`). */
interface Seen {
  channel: string;
  event: string;
  data: any;
}

/** What the harness page keeps on `window`; functions passed to page.evaluate cast to it. */
interface HarnessWindow {
  Pusher: new (key: string, options: object) => any;
  pusher: any;
  seen: Seen[];
  /** Every connection state pusher-js entered after the client was created, in order. */
  states: string[];
  /** The connection's `error` events (a close with a code other than 1000/1001 is one). */
  connectionErrors: unknown[];
  /** How many times each channel's subscription succeeded (again after a reconnect). */
  subscribedCount: Record<string, number>;
}

const HARNESS_HTML = `<!doctype html>
<meta charset="utf-8">
<title>pusher-js harness</title>
<script src="/pusher.js"></script>`;

// The browser build is what a page loads from a CDN; resolve it where npm put it.
const PUSHER_JS_PATH = createRequire(import.meta.url).resolve('pusher-js/dist/web/pusher.js');

// At module level, not in before(): startServer and startAuthEndpoint register their own after()
// hooks, which would otherwise belong to the before() hook and close at once.
const sb = await startServer({ pusher: { apps: [{ ...APP }] } });
const sdk = serverSdk(sb.port);
const auth = await startAuthEndpoint(sdk);

// How long a page waits for something it expects before failing the test. Far above what any
// step takes, but below the suite's timeout, so one broken expectation fails its own test and
// the following tests still run and report.
const WAIT_MS = 10_000;

describe('pusher-js (browser build) in Chromium', { timeout: 120_000 }, () => {
  const chromium = useChromium();
  let pages: StaticServer;

  before(async () => {
    pages = await serveStatic({
      '/': { body: HARNESS_HTML, type: 'text/html; charset=utf-8' },
      '/pusher.js': { body: await readFile(PUSHER_JS_PATH), type: 'text/javascript; charset=utf-8' },
    });
  });

  after(async () => {
    await pages?.close();
  });

  /**
   * A page with one pusher-js client connected to the test server, authorising through `authQuery`
   * appended to the auth endpoint; resolves with the page and its socket id.
   */
  async function connectedPage(authQuery = ''): Promise<{ page: Page; errors: Error[]; socketId: string }> {
    const { page, errors } = await chromium.newPage();
    page.setDefaultTimeout(WAIT_MS);
    await page.goto(`${pages.origin}/`);
    const socketId = await page.evaluate(
      ({ key, port, endpoint }) => {
        const w = window as unknown as HarnessWindow;
        w.seen = [];
        w.states = [];
        w.connectionErrors = [];
        w.subscribedCount = {};
        // The options a site uses for a self-hosted Pusher server, as the docs show them.
        w.pusher = new w.Pusher(key, {
          cluster: 'mt1',
          wsHost: '127.0.0.1',
          wsPort: port,
          forceTLS: false,
          enabledTransports: ['ws'],
          channelAuthorization: { endpoint, transport: 'ajax' },
        });
        w.pusher.connection.bind('state_change', (change: { current: string }) => w.states.push(change.current));
        w.pusher.connection.bind('error', (error: unknown) => w.connectionErrors.push(JSON.parse(JSON.stringify(error))));
        return new Promise<string>((resolve, reject) => {
          w.pusher.connection.bind('connected', () => resolve(w.pusher.connection.socket_id));
          w.pusher.connection.bind('failed', () => reject(new Error('pusher-js connection failed')));
        });
      },
      { key: APP.key, port: sb.port, endpoint: `${auth}${authQuery}` },
    );
    return { page, errors, socketId };
  }

  /** Subscribes the page's client; resolves with subscription_succeeded's data, rejects with subscription_error's. */
  function subscribe(page: Page, channel: string): Promise<any> {
    return page.evaluate((name) => {
      const w = window as unknown as HarnessWindow;
      const bound = w.pusher.subscribe(name);
      bound.bind_global((event: string, data: unknown) => {
        // The subscription's own events carry pusher-js objects; the log keeps what travelled.
        if (!event.startsWith('pusher:subscription_')) w.seen.push({ channel: name, event, data: JSON.parse(JSON.stringify(data ?? null)) });
      });
      return new Promise((resolve, reject) => {
        bound.bind('pusher:subscription_succeeded', (data: any) => {
          w.subscribedCount[name] = (w.subscribedCount[name] ?? 0) + 1;
          resolve(JSON.parse(JSON.stringify(data ?? null)));
        });
        bound.bind('pusher:subscription_error', (error: unknown) => reject(new Error(`subscription_error ${JSON.stringify(error)}`)));
      });
    }, channel);
  }

  /** Waits until the page has seen `count` occurrences of `event` on `channel`; resolves with their data. */
  async function seen(page: Page, channel: string, event: string, count = 1): Promise<any[]> {
    await page.waitForFunction(
      ({ channel, event, count }) => (window as unknown as HarnessWindow).seen.filter((s) => s.channel === channel && s.event === event).length >= count,
      { channel, event, count },
    );
    return seenSoFar(page, channel, event);
  }

  /** What the page has seen of `event` on `channel` up to now. */
  function seenSoFar(page: Page, channel: string, event: string): Promise<any[]> {
    return page.evaluate(
      ({ channel, event }) => (window as unknown as HarnessWindow).seen.filter((s) => s.channel === channel && s.event === event).map((s) => s.data),
      { channel, event },
    );
  }

  test('connects and receives events from the pusher SDK: trigger to one and to several channels, triggerBatch', async (t) => {
    if (skipWithoutChromium(t)) return;
    const { page, errors, socketId } = await connectedPage();
    assert.match(socketId, /^\d+\.\d+$/);
    await subscribe(page, 'news');
    await subscribe(page, 'sport');
    await sdk.trigger('news', 'headline', { title: 'first' });
    assert.deepEqual(await seen(page, 'news', 'headline'), [{ title: 'first' }]);
    await sdk.trigger(['news', 'sport'], 'bulletin', { n: 1 });
    assert.deepEqual(await seen(page, 'news', 'bulletin'), [{ n: 1 }]);
    assert.deepEqual(await seen(page, 'sport', 'bulletin'), [{ n: 1 }]);
    await sdk.triggerBatch([
      { channel: 'sport', name: 'score', data: JSON.stringify({ home: 1 }) },
      { channel: 'news', name: 'headline', data: JSON.stringify({ title: 'second' }) },
    ]);
    assert.deepEqual(await seen(page, 'sport', 'score'), [{ home: 1 }]);
    assert.deepEqual(await seen(page, 'news', 'headline', 2), [{ title: 'first' }, { title: 'second' }]);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('private channels are authorised by a cross-origin endpoint over XHR; a refusal is a subscription_error', async (t) => {
    if (skipWithoutChromium(t)) return;
    const { page, errors } = await connectedPage();
    await subscribe(page, 'private-orders');
    await sdk.trigger('private-orders', 'placed', { id: 7 });
    assert.deepEqual(await seen(page, 'private-orders', 'placed'), [{ id: 7 }]);

    const refused = await connectedPage('?deny=1');
    await assert.rejects(subscribe(refused.page, 'private-orders'), /subscription_error .*"status":403/);
    // Refused by the endpoint, so the socket never joined: the next event does not reach it.
    await sdk.trigger('private-orders', 'placed', { id: 8 });
    assert.deepEqual(await seen(page, 'private-orders', 'placed', 2), [{ id: 7 }, { id: 8 }]);
    assert.deepEqual(await seenSoFar(refused.page, 'private-orders', 'placed'), []);
    assert.deepEqual([...errors, ...refused.errors], []);
    await page.close();
    await refused.page.close();
  });

  test('presence: members on subscribe, member_added and member_removed between two pages', async (t) => {
    if (skipWithoutChromium(t)) return;
    const alice = await connectedPage('?user=alice');
    const first = await subscribe(alice.page, 'presence-lobby');
    assert.equal(first.count, 1);
    assert.deepEqual(first.me, { id: 'alice', info: { name: 'User alice' } });

    const bob = await connectedPage('?user=bob');
    const second = await subscribe(bob.page, 'presence-lobby');
    assert.equal(second.count, 2);
    assert.deepEqual(second.members, { alice: { name: 'User alice' }, bob: { name: 'User bob' } });
    assert.deepEqual(await seen(alice.page, 'presence-lobby', 'pusher:member_added'), [{ id: 'bob', info: { name: 'User bob' } }]);

    // Closing the page closes its socket: the server ends bob's membership.
    await bob.page.close();
    assert.deepEqual(await seen(alice.page, 'presence-lobby', 'pusher:member_removed'), [{ id: 'bob', info: { name: 'User bob' } }]);
    const members = await alice.page.evaluate(() => (window as unknown as HarnessWindow).pusher.channel('presence-lobby').members.count);
    assert.equal(members, 1);
    assert.deepEqual([...alice.errors, ...bob.errors], []);
    await alice.page.close();
  });

  test('client events reach the other page and are not echoed to the sender', async (t) => {
    if (skipWithoutChromium(t)) return;
    const a = await connectedPage();
    const b = await connectedPage();
    await subscribe(a.page, 'private-chat');
    await subscribe(b.page, 'private-chat');
    const sent = await a.page.evaluate(() => (window as unknown as HarnessWindow).pusher.channel('private-chat').trigger('client-typing', { who: 'a' }));
    assert.equal(sent, true);
    assert.deepEqual(await seen(b.page, 'private-chat', 'client-typing'), [{ who: 'a' }]);
    // A server event after it on the same socket: an echo to the sender would have arrived first.
    await sdk.trigger('private-chat', 'marker', {});
    await seen(a.page, 'private-chat', 'marker');
    assert.deepEqual(await seenSoFar(a.page, 'private-chat', 'client-typing'), []);
    assert.deepEqual([...a.errors, ...b.errors], []);
    await a.page.close();
    await b.page.close();
  });

  // The server's view of the channel, from the open connections' topics (synchronous, for waitFor).
  function serverForgot(channel: string): boolean {
    return [...sb.server.clients.values()].every((client) => !client.topics.has(channel));
  }

  test('after unsubscribe no more events of that channel arrive', async (t) => {
    if (skipWithoutChromium(t)) return;
    const { page, errors } = await connectedPage();
    await subscribe(page, 'ticker');
    await subscribe(page, 'control');
    await sdk.trigger('ticker', 'tick', { n: 1 });
    await seen(page, 'ticker', 'tick');
    // pusher-js forgets the channel (and its bindings) at once; watch the wire for the server's side.
    await page.evaluate(() => {
      const w = window as unknown as HarnessWindow;
      w.pusher.unsubscribe('ticker');
      w.pusher.connection.bind('message', (message: { event: string; channel?: string }) => {
        if (message.channel === 'ticker') w.seen.push({ channel: 'ticker', event: `wire:${message.event}`, data: null });
      });
    });
    await waitFor(() => serverForgot('ticker'), 5000, 'the server to drop the subscription');
    await sdk.trigger('ticker', 'tick', { n: 2 });
    await sdk.trigger('control', 'marker', {});
    await seen(page, 'control', 'marker');
    assert.deepEqual(await seenSoFar(page, 'ticker', 'wire:tick'), []);
    assert.deepEqual(await seenSoFar(page, 'ticker', 'tick'), [{ n: 1 }]);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('a server-side close with 4200 makes pusher-js reconnect at once, resubscribe, and receive again', async (t) => {
    if (skipWithoutChromium(t)) return;
    const { page, errors, socketId } = await connectedPage();
    await subscribe(page, 'live');
    await subscribe(page, 'private-live');
    await sdk.trigger('live', 'update', { n: 1 });
    await seen(page, 'live', 'update');

    // The same door the echo example's test uses: the server's client registry. A Pusher socket
    // id is its connection id.
    const connection = sb.server.clients.get(socketId);
    assert.ok(connection, 'the page is in the server registry under its socket id');
    connection.close(4200, 'reconnect now');

    await page.waitForFunction(() => {
      const w = window as unknown as HarnessWindow;
      return w.subscribedCount['live'] === 2 && w.subscribedCount['private-live'] === 2;
    });
    const after = await page.evaluate(() => {
      const w = window as unknown as HarnessWindow;
      return { socketId: w.pusher.connection.socket_id as string, states: w.states, errors: w.connectionErrors };
    });
    assert.notEqual(after.socketId, socketId, 'a new connection');
    // pusher-js reports the close code it read, then again from the close action it chose for
    // it; 4200-4299 is "retry now": straight back to connecting, never through "disconnected"
    // (refused), "unavailable" or "failed".
    const closeError = { type: 'PusherError', data: { code: 4200, message: 'reconnect now' } };
    assert.deepEqual(after.errors, [closeError, { type: 'WebSocketError', error: closeError }]);
    assert.deepEqual(after.states.slice(after.states.indexOf('connected')), ['connected', 'connecting', 'connected']);
    assert.equal(sb.server.clients.has(socketId), false);

    await sdk.trigger('live', 'update', { n: 2 });
    await sdk.trigger('private-live', 'update', { n: 3 });
    assert.deepEqual(await seen(page, 'live', 'update', 2), [{ n: 1 }, { n: 2 }]);
    assert.deepEqual(await seen(page, 'private-live', 'update'), [{ n: 3 }]);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
