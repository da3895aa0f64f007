/**
 * The examples/laravel-echo example in a real Chromium: its own bootstrap.js and app.js, bundled
 * by its serve.mjs as Vite would bundle them for a Laravel app, with unmodified laravel-echo and
 * pusher-js, against a Switchboard configured with the app of its .env.example. Channel
 * authorisation goes through the demo's Laravel-shaped POST /broadcasting/auth (same origin, CSRF
 * token from the page's meta tag), and events are published under the names Laravel broadcasts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import PusherServer from 'pusher';
import { loadEnv, startDemo, type Demo } from '../../examples/laravel-echo/serve.mjs';
import { skipWithoutChromium, useChromium } from '../helpers/browser.js';
import { startServer } from '../helpers/server.js';

/** What the example leaves on `window` (Laravel's bootstrap.js sets both), and what tests add. */
interface EchoWindow {
  Echo: any;
  Pusher: unknown;
  heard: Array<[string, unknown]>;
}

// The example's .env as shipped: Switchboard gets exactly the app it names, only the port differs.
const env = loadEnv({});
const APP = { id: env.PUSHER_APP_ID!, key: env.PUSHER_APP_KEY!, secret: env.PUSHER_APP_SECRET!, clientEvents: true };

// At module level, not in before(): startServer registers its own after() hook.
const sb = await startServer({ pusher: { apps: [APP] } });
// What Laravel's `pusher` broadcast connection is: the Pusher server SDK with the app's secret.
const laravel = new PusherServer({ appId: APP.id, key: APP.key, secret: APP.secret, host: '127.0.0.1', port: String(sb.port), useTLS: false });

// How long a page waits for something it expects before failing the test. Far above what any
// step takes, but below the suite's timeout, so one broken expectation fails its own test and
// the following tests still run and report.
const WAIT_MS = 10_000;

describe('Laravel Echo example in Chromium', { timeout: 120_000 }, () => {
  const chromium = useChromium();
  let demo: Demo;

  before(async () => {
    demo = await startDemo({ port: 0, env: { PUSHER_PORT: String(sb.port) } });
  });

  after(async () => {
    await demo?.close();
  });

  /** The demo page signed in as `user`, once Echo is connected and its three channels are subscribed. */
  async function openAs(user: number): Promise<{ page: Page; errors: Error[] }> {
    const opened = await chromium.newPage();
    opened.page.setDefaultTimeout(WAIT_MS);
    await opened.page.goto(`${demo.origin}/?user=${user}`);
    await opened.page.waitForFunction(
      (channels) => {
        const pusher = (window as unknown as EchoWindow).Echo?.connector.pusher;
        return pusher?.connection.state === 'connected' && channels.every((name) => pusher.channel(name)?.subscribed === true);
      },
      ['orders', `private-user.${user}`, 'presence-room.1'],
    );
    return opened;
  }

  const lines = (page: Page, list: string) => page.locator(`#${list} li`).allTextContents();

  /** Waits until the list `list` of the page has `count` lines; resolves with them. */
  async function linesWhen(page: Page, list: string, count: number): Promise<string[]> {
    await page.waitForFunction(({ list, count }) => document.querySelectorAll(`#${list} li`).length >= count, { list, count });
    return lines(page, list);
  }

  test("listen('OrderShipped') hears the class name Laravel broadcasts, listen('.OrderShipped') the broadcastAs name", async (t) => {
    if (skipWithoutChromium(t)) return;
    const { page, errors } = await openAs(1);
    await page.evaluate(() => {
      const w = window as unknown as EchoWindow;
      w.heard = [];
      w.Echo.channel('orders')
        .listen('OrderShipped', (e: unknown) => w.heard.push(['OrderShipped', e]))
        .listen('.OrderShipped', (e: unknown) => w.heard.push(['.OrderShipped', e]));
    });
    // `broadcast(new OrderShipped($order))`: the event name is the class, data its public properties.
    await laravel.trigger('orders', 'App\\Events\\OrderShipped', { order: { id: 5 } });
    // The same event with `broadcastAs() { return 'OrderShipped'; }`.
    await laravel.trigger('orders', 'OrderShipped', { order: { id: 6 } });
    await page.waitForFunction(() => (window as unknown as EchoWindow).heard.length >= 2);
    assert.deepEqual(await page.evaluate(() => (window as unknown as EchoWindow).heard), [
      ['OrderShipped', { order: { id: 5 } }],
      ['.OrderShipped', { order: { id: 6 } }],
    ]);
    // The page's own listener is the namespaced one: it showed the first event only.
    assert.deepEqual(await lines(page, 'orders'), ['Order 5 shipped']);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('the demo route broadcasts OrderShipped to every page on the public channel', async (t) => {
    if (skipWithoutChromium(t)) return;
    const alice = await openAs(1);
    const bob = await openAs(2);
    await alice.page.fill('#order', '42');
    await alice.page.click('#ship');
    assert.deepEqual(await linesWhen(alice.page, 'orders', 1), ['Order 42 shipped']);
    assert.deepEqual(await linesWhen(bob.page, 'orders', 1), ['Order 42 shipped']);
    assert.deepEqual([...alice.errors, ...bob.errors], []);
    await alice.page.close();
    await bob.page.close();
  });

  test("Echo.private('user.1') subscribes private-user.1 through /broadcasting/auth; another user is refused", async (t) => {
    if (skipWithoutChromium(t)) return;
    const alice = await openAs(1);
    assert.deepEqual(Object.keys(await alice.page.evaluate(() => (window as unknown as EchoWindow).Echo.connector.channels)).sort(), ['orders', 'presence-room.1', 'private-user.1']);
    const joined = [...sb.server.clients.values()].filter((client) => client.topics.has('private-user.1'));
    assert.equal(joined.length, 1, 'the server has exactly one subscriber on private-user.1');

    await laravel.trigger('private-user.1', 'payment.received', { amount: '9.99' });
    assert.deepEqual(await linesWhen(alice.page, 'private', 1), ['Payment of 9.99 received']);

    // Bob asks for Alice's channel: routes/channels.php says no, Laravel answers 403.
    const bob = await openAs(2);
    const status = await bob.page.evaluate(
      () =>
        new Promise((resolve) => {
          (window as unknown as EchoWindow).Echo.private('user.1').error((error: { status: number }) => resolve(error.status));
        }),
    );
    assert.equal(status, 403);
    assert.equal([...sb.server.clients.values()].filter((client) => client.topics.has('private-user.1')).length, 1, 'still only Alice');
    assert.deepEqual([...alice.errors, ...bob.errors], []);
    await alice.page.close();
    await bob.page.close();
  });

  test("Echo.join('room.1'): here, joining, whispers to the others only, and leaving", async (t) => {
    if (skipWithoutChromium(t)) return;
    const alice = await openAs(1);
    await alice.page.waitForFunction(() => document.getElementById('members')?.textContent === 'Alice');

    const bob = await openAs(2);
    // here(): Bob gets everyone present, himself included; joining(): Alice hears of Bob.
    await bob.page.waitForFunction(() => document.getElementById('members')?.textContent === 'Alice, Bob');
    assert.deepEqual(await linesWhen(alice.page, 'room', 1), ['Bob joined']);
    assert.equal(await alice.page.locator('#members').textContent(), 'Alice, Bob');

    // A whisper is a client event: Alice gets Bob's, and once Bob hears Alice's (sent after), any
    // echo of his own would already have reached him on his socket.
    await bob.page.fill('#message', 'hello');
    assert.deepEqual(await linesWhen(alice.page, 'room', 2), ['Bob joined', 'Bob is typing']);
    await alice.page.fill('#message', 'hi');
    assert.deepEqual(await linesWhen(bob.page, 'room', 1), ['Alice is typing']);

    // Closing Bob's page closes his socket: leaving() on Alice's side, which arrives after any echo
    // of Alice's whisper would have.
    await bob.page.close();
    assert.deepEqual(await linesWhen(alice.page, 'room', 3), ['Bob joined', 'Bob is typing', 'Bob left']);
    assert.equal(await alice.page.locator('#members').textContent(), 'Alice');
    assert.deepEqual([...alice.errors, ...bob.errors], []);
    await alice.page.close();
  });
});
