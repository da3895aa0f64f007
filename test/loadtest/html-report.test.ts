/**
 * The HTML report rendered in a real Chromium (playwright-core + the system's Chromium, see
 * test/helpers/browser.ts) from a fixture compare report: three servers over two rounds, one of
 * them seconds slow and lossy, plus find-max searches. Asserts behaviour, not pixels: the latency
 * axis is logarithmic (tick labels a decade apart, spanning ms and seconds), every server is in
 * the legend and the bars, the verdicts name the slow server's bottleneck, and the raw JSON is
 * folded. The conclusion heads the page, for a compare where Switchboard kept up with the relay and
 * one where it fell behind, and the verdict table's ratios are against the relay with a legend.
 * The screenshot is kept in the test's temp dir for a human to look at. A second fixture, a
 * drain run on two workers (a rolling restart: each slot has its old and its new worker), shows every
 * process of the cluster with the workers' total, and the drain findings.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { LoadReport } from '../../loadtest/report/load-report.js';
import { renderHtml } from '../../loadtest/report/html.js';
import { conclusion } from '../../loadtest/report/conclusion.js';
import { skipWithoutChromium, useChromium } from '../helpers/browser.js';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/compare-report.json', import.meta.url), 'utf8')) as LoadReport;
const SERVERS = ['switchboard', 'relay', 'ws'];
const drainFixture = JSON.parse(readFileSync(new URL('./fixtures/drain-report.json', import.meta.url), 'utf8')) as LoadReport;
const behindFixture = JSON.parse(readFileSync(new URL('./fixtures/compare-behind-report.json', import.meta.url), 'utf8')) as LoadReport;

describe('HTML report in Chromium', () => {
  const chromium = useChromium();

  it('plots latency on a log axis, shows every server, folds the raw JSON', async (t) => {
    if (skipWithoutChromium(t)) return;
    const dir = mkdtempSync(join(tmpdir(), 'loadtest-report-'));
    const file = join(dir, 'report.html');
    writeFileSync(file, renderHtml(fixture, 50));
    const { page, errors } = await chromium.newPage();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(`file://${file}`);
    await page.screenshot({ path: join(dir, 'report.png'), fullPage: true });
    t.diagnostic(`screenshot: ${join(dir, 'report.png')}`);

    // Self-contained: the page fetched nothing but itself.
    assert.deepEqual(requests.filter((url) => !url.startsWith('file://')), []);
    assert.deepEqual(errors, []);

    const latency = page.locator('svg.line-chart').first();
    assert.equal(await latency.getAttribute('data-y-scale'), 'log');
    const ticks = (await latency.locator('text.y-tick').allTextContents()).map((label) => Number(label.replace(/,/g, '')));
    assert.ok(ticks.length >= 4, `at least 4 decades, got ${ticks.join(', ')}`);
    for (let i = 1; i < ticks.length; i++) assert.equal(ticks[i]! / ticks[i - 1]!, 10, `ticks a decade apart: ${ticks.join(', ')}`);
    assert.ok(ticks[0]! <= 1 && ticks.at(-1)! >= 1000, `axis spans ms and seconds: ${ticks.join(', ')}`);

    const legend = (await latency.locator('text.legend').allTextContents()).join(' ');
    const bars = page.locator('svg.bar-chart');
    assert.ok((await bars.count()) >= 4, 'delivered/s, CPU per delivery, RSS per connection and find-max bars');
    for (const server of SERVERS) {
      assert.match(legend, new RegExp(server), `${server} in the latency legend`);
      assert.ok((await bars.nth(0).locator('text.bar-label').allTextContents()).includes(server), `${server} in the delivered/s bars`);
      assert.ok((await bars.nth(1).locator('text.bar-label').allTextContents()).includes(server), `${server} in the CPU bars`);
    }
    assert.match(await page.locator('table.verdicts').innerText(), /ws\s+server out of CPU/);
    assert.match(await page.locator('table.verdicts').innerText(), /switchboard\s+kept up/);

    // The conclusion comes first, right under the title, and says what the text output says.
    const first = page.locator('h1 + p');
    assert.equal(await first.getAttribute('class'), 'conclusion kept');
    assert.match(await first.innerText(), /^switchboard kept up with the relay: [\d,]+ deliveries\/s, p99 [\d.]+x the relay's, server CPU per delivery [\d.]+x/);
    assert.equal(await first.innerText(), conclusion(fixture, 50));
    // One baseline: the verdict table's ratio columns are against the relay, and a legend explains each column.
    const headers = await page.locator('table.verdicts th').allTextContents();
    assert.deepEqual(headers.filter((h) => h.startsWith('vs ')), ['vs relay', 'vs relay']);
    const explained = await page.locator('table.verdicts + dl.legend dt').allTextContents();
    for (const header of headers.filter((h) => h !== 'server')) assert.ok(explained.includes(header), `legend explains "${header}"`);

    const raw = page.locator('details.raw');
    assert.equal(await raw.getAttribute('open'), null, 'raw JSON collapsed by default');
    assert.equal(await raw.locator('pre').isVisible(), false);
    await raw.locator('summary').click();
    assert.equal(await raw.locator('pre').isVisible(), true);
  });

  it('heads a fell-behind compare with where Switchboard fell behind', async (t) => {
    if (skipWithoutChromium(t)) return;
    const dir = mkdtempSync(join(tmpdir(), 'loadtest-report-'));
    const file = join(dir, 'behind.html');
    writeFileSync(file, renderHtml(behindFixture, 50));
    const { page, errors } = await chromium.newPage();
    await page.goto(`file://${file}`);
    await page.screenshot({ path: join(dir, 'behind.png'), fullPage: true });
    t.diagnostic(`screenshot: ${join(dir, 'behind.png')}`);
    assert.deepEqual(errors, []);
    const first = page.locator('h1 + p');
    assert.equal(await first.getAttribute('class'), 'conclusion behind');
    assert.match(await first.innerText(), /^switchboard fell behind at 505,000 deliveries\/s offered \(380,881\/s delivered in the window\): 50,000 lost, .*the relay kept up \(one round\)$/);
    assert.match(await page.locator('table.verdicts').innerText(), /relay \(baseline\)/);
    assert.doesNotMatch(await page.locator('pre').first().innerText(), /knee/i, 'one round: no word about the knee');
  });

  it('lists every process of a cluster with the workers\' total, and the drain findings', async (t) => {
    if (skipWithoutChromium(t)) return;
    const dir = mkdtempSync(join(tmpdir(), 'loadtest-report-'));
    const file = join(dir, 'drain.html');
    writeFileSync(file, renderHtml(drainFixture, 50));
    const { page, errors } = await chromium.newPage();
    await page.goto(`file://${file}`);
    await page.screenshot({ path: join(dir, 'drain.png'), fullPage: true });
    t.diagnostic(`screenshot: ${join(dir, 'drain.png')}`);
    assert.deepEqual(errors, []);

    const result = drainFixture.results[0]!;
    const rows = page.locator('table.processes tr');
    const names = (await rows.locator('td:first-child').allTextContents()).map((name) => name.trim());
    assert.deepEqual(names, [...result.serverProcesses!.map((p) => p.name), `workers (${result.serverProcesses!.filter((p) => p.role === 'server').length})`]);
    const pids = await rows.locator('td:nth-child(2)').allTextContents();
    for (const p of result.serverProcesses!) assert.ok(pids.includes(String(p.pid)), `pid ${p.pid} listed`);
    const total = (await page.locator('table.processes tr.total td').allTextContents()).map((cell) => cell.trim());
    const connected = result.serverProcesses!.filter((p) => p.role === 'server' && p.rssBytes !== null);
    assert.equal(total[2], (connected.reduce((sum, p) => sum + p.rssBytes!, 0) / 2 ** 20).toFixed(1), 'total RSS: the workers running at the connected reading');
    assert.equal(total[5], String(result.connections), 'total connections: every connection, from the workers');

    const drain = await page.locator('table.drain').innerText();
    assert.match(drain, /close codes\s+1012 × \d+/);
    assert.match(drain, /every client recovered\s+yes/);
    assert.match(drain, /worker 1 \(pid \d+\)/);
    assert.match(drain, /worker 2 \(pid \d+\)/);
  });
});
