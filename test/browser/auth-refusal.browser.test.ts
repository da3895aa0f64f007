/**
 * A refused connection must tell a plain browser WebSocket why: Chromium cannot read a refused
 * upgrade's HTTP status, so the server completes the upgrade and closes with a documented code
 * and reason (docs/protocol.md §1.5), which the page's onclose sees.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { serveStatic, skipWithoutChromium, useChromium, type StaticServer } from '../helpers/browser.js';
import { startServer } from '../helpers/server.js';

const PAGE = `<!doctype html><meta charset="utf-8"><script>
  window.closeOf = (url, protocols) => new Promise((resolve) => {
    const ws = new WebSocket(url, protocols);
    ws.onclose = (event) => resolve({ code: event.code, reason: event.reason });
  });
</script>`;

describe('refused connections and subprotocol mistakes in Chromium', { timeout: 20_000 }, async () => {
  const chromium = useChromium();
  const server = await startServer({ jwtSecret: 'browser-secret-0123456789', allowedOrigins: ['https://app.example'] });
  const allowed = await startServer({ jwtSecret: 'browser-secret-0123456789' });
  let pages: StaticServer;

  before(async () => {
    pages = await serveStatic({ '/index.html': { body: PAGE, type: 'text/html; charset=utf-8' } });
  });

  after(async () => {
    await pages?.close();
  });

  test('a foreign origin closes with 4505 and a reason the page can read', async (t) => {
    if (skipWithoutChromium(t)) return;
    const { page } = await chromium.newPage();
    await page.goto(`${pages.origin}/index.html`);
    const closeOf = (url: string, protocols: string[]) => page.evaluate(([u, p]) => (window as unknown as { closeOf(u: string, p: string[]): Promise<unknown> }).closeOf(u!, p as unknown as string[]), [url, protocols] as const);
    // The page's own origin (http://127.0.0.1:…) is not in the allowlist: the origin check answers first.
    assert.deepEqual(await closeOf(server.url, ['switchboard.v1.json']), { code: 4505, reason: 'origin not allowed' });
  });

  test('with an allowed origin, a bad token closes with 4504 "invalid token"', async (t) => {
    if (skipWithoutChromium(t)) return;
    const { page } = await chromium.newPage();
    await page.goto(`${pages.origin}/index.html`);
    const outcome = await page.evaluate((url) => (window as unknown as { closeOf(u: string, p: string[]): Promise<unknown> }).closeOf(url, ['switchboard.v1.json', 'switchboard.token.not-a-jwt']), allowed.url);
    assert.deepEqual(outcome, { code: 4504, reason: 'invalid token' });
    const missing = await page.evaluate((url) => (window as unknown as { closeOf(u: string, p: string[]): Promise<unknown> }).closeOf(url, ['switchboard.v1.json']), allowed.url);
    assert.deepEqual(missing, { code: 4504, reason: 'token required' });
  });

  test('a misspelled subprotocol does not fail silently: the page sees 4506 and the right names', async (t) => {
    if (skipWithoutChromium(t)) return;
    const { page } = await chromium.newPage();
    await page.goto(`${pages.origin}/index.html`);
    const outcome = await page.evaluate((url) => (window as unknown as { closeOf(u: string, p: string[]): Promise<unknown> }).closeOf(url, ['switchboard.v1.jsn']), allowed.url);
    assert.deepEqual(outcome, { code: 4506, reason: 'unknown subprotocol "switchboard.v1.jsn": use switchboard.v1.msgpack or switchboard.v1.json' });
  });
});
