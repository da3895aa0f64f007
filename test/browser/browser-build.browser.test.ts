/**
 * The browser builds that ship in the package (dist/browser/, made by `npm run build`), loaded the
 * way the README tells users to: a classic `<script>` tag that defines the global `Switchboard`,
 * and `<script type="module">` importing the ES module. Each page connects to a real server and
 * receives a message published through the HTTP API. client.browser.test.ts covers the SDK's
 * behaviour from a fresh bundle of the sources; this covers the files users actually get.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { serveStatic, skipWithoutChromium, useChromium, type StaticServer } from '../helpers/browser.js';
import { postJson, startServer, type TestServer } from '../helpers/server.js';

const built = (name: string) => {
  const path = fileURLToPath(new URL(`../../dist/browser/${name}`, import.meta.url));
  if (!existsSync(path)) throw new Error(`${path} is missing: run npm run build`);
  return readFileSync(path, 'utf8');
};

/** Both pages subscribe to `?topic=` on the server `?ws=` and put what arrives in `window.received`. */
const PAGE_SCRIPT = `
  const params = new URLSearchParams(location.search);
  window.received = [];
  const client = Switchboard.connect(params.get('ws'));
  client.subscribe(params.get('topic'), (data, { seq }) => window.received.push({ data, seq }))
    .then(() => { window.subscribed = true; }, (err) => { window.failure = String(err); });
`;

const IIFE_PAGE = `<!doctype html>
<meta charset="utf-8">
<script src="/switchboard-client.iife.min.js"></script>
<script>${PAGE_SCRIPT}</script>`;

const ESM_PAGE = `<!doctype html>
<meta charset="utf-8">
<script type="module">
  import * as Switchboard from '/switchboard-client.min.js';
  ${PAGE_SCRIPT}
</script>`;

interface PageWindow {
  received: Array<{ data: unknown; seq: number }>;
  subscribed?: boolean;
  failure?: string;
  Switchboard?: Record<string, unknown>;
}

const sb: TestServer = await startServer();

describe('shipped browser builds in Chromium', { timeout: 20_000 }, () => {
  const chromium = useChromium();
  let pages: StaticServer;

  before(async () => {
    pages = await serveStatic({
      '/iife.html': { body: IIFE_PAGE, type: 'text/html; charset=utf-8' },
      '/esm.html': { body: ESM_PAGE, type: 'text/html; charset=utf-8' },
      '/switchboard-client.iife.min.js': { body: built('switchboard-client.iife.min.js'), type: 'text/javascript; charset=utf-8' },
      '/switchboard-client.min.js': { body: built('switchboard-client.min.js'), type: 'text/javascript; charset=utf-8' },
    });
  });

  after(async () => {
    await pages?.close();
  });

  for (const build of ['iife', 'esm'] as const) {
    test(`the ${build === 'iife' ? 'script-tag (IIFE)' : 'ES module'} build receives a published message`, async (t) => {
      if (skipWithoutChromium(t)) return;
      const { page, errors } = await chromium.newPage();
      const topic = `browser-build:${build}`;
      await page.goto(`${pages.origin}/${build}.html?ws=${encodeURIComponent(sb.url)}&topic=${encodeURIComponent(topic)}`);
      await page.waitForFunction(() => {
        const w = window as unknown as PageWindow;
        return w.subscribed === true || w.failure !== undefined;
      });
      assert.equal(await page.evaluate(() => (window as unknown as PageWindow).failure), undefined);
      if (build === 'iife') {
        const globals = await page.evaluate(() => Object.keys((window as unknown as PageWindow).Switchboard ?? {}).sort());
        for (const name of ['connect', 'SwitchboardClient', 'RemoteError', 'ErrorCode']) assert.ok(globals.includes(name), `window.Switchboard.${name}`);
      }
      assert.deepEqual(await postJson(`${sb.http}/api/publish`, { topic, data: { px: 64210.5 } }), { status: 200, body: { ok: true, seq: 1 } });
      await page.waitForFunction(() => (window as unknown as PageWindow).received.length >= 1);
      assert.deepEqual(await page.evaluate(() => (window as unknown as PageWindow).received), [{ data: { px: 64210.5 }, seq: 1 }]);
      assert.deepEqual(errors, []);
      await page.close();
    });
  }
});
