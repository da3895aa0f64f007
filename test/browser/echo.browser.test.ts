/**
 * The echo example end to end in a real Chromium: examples/echo/index.html (raw JSON protocol, no
 * SDK) against examples/echo/server.ts.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { startEchoServer, type EchoServer } from '../../examples/echo/server.js';
import { serveStatic, skipWithoutChromium, useChromium, type StaticServer } from '../helpers/browser.js';
import { waitFor } from '../helpers/server.js';

const SCREENSHOT_PATH = '/tmp/echo.png';

describe('echo example in Chromium', { timeout: 20_000 }, () => {
  const chromium = useChromium();
  let echo: EchoServer;
  let pages: StaticServer;

  before(async () => {
    echo = await startEchoServer({ port: 0, host: '127.0.0.1', logLevel: 'silent' });
    const html = await readFile(new URL('../../examples/echo/index.html', import.meta.url), 'utf8');
    pages = await serveStatic({ '/index.html': { body: html, type: 'text/html; charset=utf-8' } });
  });

  after(async () => {
    await pages?.close();
    await echo?.server.close();
  });

  /** Opens the page against the echo server and waits for the welcome frame. */
  async function openEchoPage(): Promise<{ page: Page; errors: Error[] }> {
    const opened = await chromium.newPage();
    await opened.page.goto(`${pages.origin}/index.html?ws=${encodeURIComponent(echo.info.url)}`);
    await opened.page.waitForFunction(() => document.getElementById('status')?.textContent === 'open');
    return opened;
  }

  const logLines = (page: Page) => page.locator('#log li').allTextContents();

  test('echoes what the user sends', async (t) => {
    if (skipWithoutChromium(t)) return;
    const { page, errors } = await openEchoPage();
    assert.equal(await page.locator('#url').textContent(), echo.info.url);
    assert.equal(await page.locator('#send').isDisabled(), false, 'Send is enabled once open');

    await page.fill('#input', 'hello');
    await page.click('#send');
    await page.waitForFunction(() => document.querySelectorAll('#log li').length >= 1);
    assert.deepEqual(await logLines(page), ['Data received: hello']);
    assert.equal(await page.inputValue('#input'), '', 'the input is cleared after sending');

    // Enter submits too; each message gets its own line, in order.
    await page.fill('#input', 'second <b>line</b>');
    await page.press('#input', 'Enter');
    await page.waitForFunction(() => document.querySelectorAll('#log li').length >= 2);
    assert.deepEqual(await logLines(page), ['Data received: hello', 'Data received: second <b>line</b>']);
    assert.equal(await page.locator('#log b').count(), 0, 'pushed data is shown as text, not HTML');

    await page.screenshot({ path: SCREENSHOT_PATH, fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('shows "closed" when the server closes the connection', async (t) => {
    if (skipWithoutChromium(t)) return;
    const { page, errors } = await openEchoPage();
    await waitFor(() => echo.server.clients.size === 1, 5000, 'the page to connect');
    for (const client of echo.server.clients.values()) client.close(4000, 'bye');
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'closed');
    assert.equal(await page.locator('#send').isDisabled(), true, 'Send is disabled once closed');
    assert.deepEqual(await logLines(page), ['connection closed (4000: bye)']);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
