/**
 * The client SDK in a real Chromium: bundled for the browser with esbuild, connected over the
 * browser's own WebSocket to a real server, in both wire formats. Covers HTTP publications
 * arriving in order, RPC with typed errors, and reconnect with resubscribe.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import type * as ClientSdk from '../../src/client/index.js';
import { ErrorCode } from '../../src/protocol/index.js';
import { bundleClientSdk, serveStatic, skipWithoutChromium, useChromium, type StaticServer } from '../helpers/browser.js';
import { postJson, startServer, waitFor, type TestServer } from '../helpers/server.js';

/** What the harness page keeps on `window`; functions passed to page.evaluate cast to it. */
interface HarnessWindow {
  sdkLoaded: boolean;
  sdk: typeof ClientSdk;
  client: ClientSdk.SwitchboardClient;
  received: Array<{ data: unknown; topic: string; seq: number }>;
  opens: string[];
  closes: Array<{ code: number; reason: string; willReconnect: boolean }>;
}

const HARNESS_HTML = `<!doctype html>
<meta charset="utf-8">
<title>Switchboard SDK harness</title>
<script type="module">
  import * as sdk from '/switchboard-client.js';
  window.sdk = sdk;
  window.sdkLoaded = true;
</script>`;

const FORMATS = ['msgpack', 'json'] as const;

// At module level, not in before(): startServer registers its own after() hook, and one
// registered while a before() hook runs belongs to that hook and would close the server at once.
const sb: TestServer = await startServer({
  rpc: {
    add: (_client, data) => {
      const { a, b } = data as { a: number; b: number };
      return a + b;
    },
  },
});

describe('client SDK in Chromium', { timeout: 25_000 }, () => {
  const chromium = useChromium();
  let sdkBundle: string;
  let pages: StaticServer;

  before(async () => {
    sdkBundle = await bundleClientSdk();
    pages = await serveStatic({
      '/': { body: HARNESS_HTML, type: 'text/html; charset=utf-8' },
      '/switchboard-client.js': { body: sdkBundle, type: 'text/javascript; charset=utf-8' },
    });
  });

  after(async () => {
    await pages?.close();
  });

  /** Opens the harness page and waits until the SDK module has loaded. */
  async function openHarness(): Promise<{ page: Page; errors: Error[] }> {
    const opened = await chromium.newPage();
    await opened.page.goto(`${pages.origin}/`);
    await opened.page.waitForFunction(() => (window as unknown as HarnessWindow).sdkLoaded === true);
    return opened;
  }

  /** Connects a client in the page, records its messages on `topic` and lifecycle events, and waits for the subscription. */
  async function connectAndSubscribe(page: Page, options: { format: 'msgpack' | 'json'; topic: string }): Promise<string> {
    return page.evaluate(
      async ({ url, format, topic }) => {
        const w = window as unknown as HarnessWindow;
        w.received = [];
        w.opens = [];
        w.closes = [];
        const client = w.sdk.connect(url, { format, minReconnectDelayMs: 50 });
        w.client = client;
        client.on('open', (welcome) => w.opens.push(welcome.connectionId));
        client.on('close', (event) => w.closes.push(event));
        await client.subscribe(topic, (data, context) => w.received.push({ data, ...context }));
        return client.connectionId ?? '';
      },
      { url: sb.url, format: options.format, topic: options.topic },
    );
  }

  /** Everything the page received so far, after a ping round trip (so nothing sent earlier is still in flight). */
  async function receivedAfterPing(page: Page): Promise<HarnessWindow['received']> {
    return page.evaluate(async () => {
      const w = window as unknown as HarnessWindow;
      await w.client.ping();
      return w.received;
    });
  }

  test('the SDK bundles for the browser without Node built-ins', async () => {
    // bundleClientSdk() already threw if esbuild met a Node built-in; check the output too.
    assert.ok(sdkBundle.length > 1000, 'bundle is suspiciously small');
    assert.doesNotMatch(sdkBundle, /\bfrom\s*["']node:|\brequire\(\s*["']node:/, 'bundle imports a node: module');
    assert.match(sdkBundle, /export\s*\{[^}]*\bconnect\b/, 'bundle exports connect');
  });

  for (const format of FORMATS) {
    test(`receives HTTP publications in order (${format})`, async (t) => {
      if (skipWithoutChromium(t)) return;
      const { page, errors } = await openHarness();
      const topic = `browser.news.${format}`;
      const connectionId = await connectAndSubscribe(page, { format, topic });
      assert.equal(sb.server.clients.get(connectionId)?.format, format, 'server negotiated the requested format');

      const first = { text: 'hello', count: 1, nested: { list: [1, 2.5, null, true] }, unicode: 'żółw ✓ 🚀' };
      const second = 'second message';
      assert.deepEqual(await postJson(`${sb.http}/api/publish`, { topic, data: first }), { status: 200, body: { ok: true, seq: 1 } });
      assert.deepEqual(await postJson(`${sb.http}/api/publish`, { topic, data: second }), { status: 200, body: { ok: true, seq: 2 } });

      await page.waitForFunction(() => (window as unknown as HarnessWindow).received.length >= 2);
      assert.deepEqual(await receivedAfterPing(page), [
        { data: first, topic, seq: 1 },
        { data: second, topic, seq: 2 },
      ]);
      assert.deepEqual(errors, []);
      await page.close();
    });
  }

  test('calls RPC methods and gets typed errors back', async (t) => {
    if (skipWithoutChromium(t)) return;
    const { page, errors } = await openHarness();
    const outcome = await page.evaluate(async (url) => {
      const w = window as unknown as HarnessWindow;
      const client = w.sdk.connect(url);
      w.client = client;
      const sum = await client.rpc<number>('add', { a: 2, b: 40 });
      let failure: unknown;
      try {
        await client.rpc('no-such-method', {});
      } catch (err) {
        failure = err;
      }
      const error = failure as ClientSdk.RemoteError;
      return { sum, isRemoteError: failure instanceof w.sdk.RemoteError, name: error.name, code: error.code };
    }, sb.url);
    assert.deepEqual(outcome, { sum: 42, isRemoteError: true, name: 'RemoteError', code: ErrorCode.NotFound });
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('reconnects, resubscribes and recovers what was published meanwhile after the server closes the socket', async (t) => {
    if (skipWithoutChromium(t)) return;
    const { page, errors } = await openHarness();
    const topic = 'browser.reconnect';
    const firstId = await connectAndSubscribe(page, { format: 'msgpack', topic });
    assert.equal((await postJson(`${sb.http}/api/publish`, { topic, data: 'before' })).status, 200);
    await page.waitForFunction(() => (window as unknown as HarnessWindow).received.length >= 1);

    for (const client of sb.server.clients.values()) client.close(4000, 'test');
    // Published while the browser is away (its first retry waits at least 125 ms): recovered from
    // history when it resubscribes with its last position.
    await waitFor(() => sb.server.stats().connections === 0, 5000, 'the browser to be gone');
    assert.equal((await postJson(`${sb.http}/api/publish`, { topic, data: 'away' })).status, 200);
    const publishedWhileAway = sb.server.stats().connections === 0;
    await page.waitForFunction(() => (window as unknown as HarnessWindow).opens.length >= 2);
    // The resubscribe rides on the welcome; publish only once the server has processed it.
    await waitFor(() => [...sb.server.clients.values()].some((client) => client.topics.has(topic)), 5000, 'resubscription');
    assert.equal((await postJson(`${sb.http}/api/publish`, { topic, data: 'after' })).status, 200);
    await page.waitForFunction(() => (window as unknown as HarnessWindow).received.length >= 3);

    assert.ok(publishedWhileAway, 'the second message was published while no browser was connected');
    assert.deepEqual(await receivedAfterPing(page), [
      { data: 'before', topic, seq: 1 },
      { data: 'away', topic, seq: 2 },
      { data: 'after', topic, seq: 3 },
    ]);
    const { opens, closes } = await page.evaluate(() => {
      const w = window as unknown as HarnessWindow;
      return { opens: w.opens, closes: w.closes };
    });
    assert.equal(opens.length, 2);
    assert.equal(opens[0], firstId);
    assert.notEqual(opens[1], firstId, 'the reconnect is a new connection');
    assert.deepEqual(closes, [{ code: 4000, reason: 'test', willReconnect: true }]);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
