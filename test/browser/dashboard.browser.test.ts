/**
 * The dashboard page in Chromium against a real server with an API key: the key given in the URL
 * fragment (never sent to the server) or typed into the page's form, the numbers moving while
 * messages are published, the fragment gone from the address bar, the page running under its own
 * Content-Security-Policy without a violation, and a screenshot of it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { skipWithoutChromium, useChromium } from '../helpers/browser.js';
import { connectClient } from '../helpers/clients.js';
import { postJson, startServer } from '../helpers/server.js';

const KEY = 'dashboard-browser-key-0123456789';

/** A card's number, or NaN while it shows none. */
const card = async (page: Page, id: string) => Number((await page.textContent(`#${id}`))!.replace(/,/g, ''));

describe('the dashboard page in Chromium', { timeout: 60_000 }, async () => {
  const chromium = useChromium();
  const { http, url } = await startServer({ apiKey: KEY });
  const shots = mkdtempSync(join(tmpdir(), 'switchboard-dashboard-'));
  after(() => rmSync(shots, { recursive: true, force: true }));

  /** Publishes on `topic` until `done` resolves or rejects (the numbers move while it runs). */
  const publishWhile = async <T>(topic: string, done: Promise<T>): Promise<T> => {
    let finished = false;
    const settled = done.finally(() => (finished = true));
    for (let i = 0; !finished; i++) {
      assert.equal((await postJson(`${http}/api/publish`, { topic, data: i }, { authorization: `Bearer ${KEY}` })).status, 200);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return settled;
  };

  test('with the key in the fragment: the numbers move, the key leaves the address bar, a screenshot is taken', async (t) => {
    if (skipWithoutChromium(t)) return;
    const subscriber = connectClient(url);
    await subscriber.subscribe('dash:browser', () => {});
    const { page, errors } = await chromium.newPage();
    const violations: string[] = [];
    page.on('console', (message) => message.type() === 'error' && violations.push(message.text()));
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));

    await page.goto(`${http}/dashboard#key=${KEY}`);
    await page.waitForFunction(() => document.getElementById('connections')!.textContent === '1', undefined, { timeout: 10_000 });
    assert.equal(page.url(), `${http}/dashboard`, 'the fragment is gone');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('switchboard-dashboard-key')), KEY);

    await publishWhile('dash:browser', page.waitForFunction(() => Number(document.getElementById('publications-rate')!.textContent) > 0 && Number(document.getElementById('deliveries-rate')!.textContent) > 0, undefined, { timeout: 15_000 }));
    assert.ok((await card(page, 'publications-rate')) > 0);
    assert.ok((await card(page, 'http-publishes-rate')) > 0, 'the test publishes through the HTTP API');
    assert.equal(await page.textContent('#engine'), 'ready');
    // Topic names are anyone's input: one that is markup, with a quote and a backslash, comes out as text.
    const hostile = 'dash:<b>"q"\\</b>';
    await publishWhile(hostile, publishWhile('dash:browser', page.waitForFunction((names) => names.every((name) => [...document.querySelectorAll('#top-topics td.topic')].some((td) => td.textContent === name)), ['dash:browser', hostile], { timeout: 15_000 })));
    assert.equal(await page.locator('#top-topics b').count(), 0, 'no element made of a topic name');

    const shot = join(shots, 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    const png = readFileSync(shot);
    assert.ok(png.length > 1000, `a real image (${png.length} bytes)`);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');

    assert.ok(requests.every((address) => !address.includes(KEY)), 'the key is in no request URL');
    assert.deepEqual(errors, []);
    assert.deepEqual(violations, [], 'no console error (a CSP violation would be one)');
  });

  test('without the key: the page asks for it, and shows the numbers once given', async (t) => {
    if (skipWithoutChromium(t)) return;
    const { page, errors } = await chromium.newPage();
    await page.goto(`${http}/dashboard`);
    await page.waitForSelector('#key-form:not([hidden])', { timeout: 10_000 });
    assert.match((await page.textContent('#status'))!, /enter the API key/);
    await page.fill('#key', 'not-the-key');
    await page.click('#key-form button');
    await page.waitForFunction(() => /refused/.test(document.getElementById('status')!.textContent!), undefined, { timeout: 10_000 });
    await page.fill('#key', KEY);
    await page.click('#key-form button');
    await page.waitForFunction(() => document.getElementById('engine')!.textContent === 'ready', undefined, { timeout: 10_000 });
    assert.equal(await page.isHidden('#key-form'), true);
    assert.deepEqual(errors, []);
  });

  test('a server without an API key: the page on loopback gets its data without asking', async (t) => {
    if (skipWithoutChromium(t)) return;
    const keyless = await startServer();
    const { page, errors } = await chromium.newPage();
    await page.goto(`${keyless.http}/dashboard`);
    await page.waitForFunction(() => document.getElementById('engine')!.textContent === 'ready', undefined, { timeout: 10_000 });
    assert.equal(await page.isHidden('#key-form'), true);
    assert.deepEqual(errors, []);
  });
});
