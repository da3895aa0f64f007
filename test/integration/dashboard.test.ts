/**
 * GET /dashboard and its data, GET /dashboard/data, on a real server: the data is behind the API
 * key exactly like /metrics, the page is not (it holds nothing), and the data's numbers are the
 * /metrics numbers, checked against /metrics text read by a parser of this file's own.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startCli } from '../helpers/cli-process.js';
import { connectClient } from '../helpers/clients.js';
import { redisMissing, startRedis } from '../helpers/redis.js';
import { freePort, postJson, sleep, startServer } from '../helpers/server.js';

const KEY = 'dashboard-key-0123456789';
const auth = { authorization: `Bearer ${KEY}` };

type View = { topTopics: Array<{ topic: string; perSecond: number }> };

/** Every unlabelled-or-labelled sample of `text` as `name{labels}` → value (the oracle: no code shared with the server). */
function scrapeSeries(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(\{.*\})? (\S+)$/.exec(line);
    if (match) series.set(match[1]! + (match[2] ?? ''), Number(match[3]));
  }
  return series;
}

describe('dashboard', async () => {
  const { http, url } = await startServer({ apiKey: KEY });

  test('the data is refused without the key as /metrics is, and served with it', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong' }] as Array<Record<string, string>>) {
      const metrics = await fetch(`${http}/metrics`, { headers });
      const data = await fetch(`${http}/dashboard/data`, { headers });
      assert.equal(metrics.status, 401);
      assert.equal(data.status, metrics.status);
      assert.equal(data.headers.get('www-authenticate'), metrics.headers.get('www-authenticate'));
      assert.deepEqual(await data.json(), await metrics.json());
    }
    const data = await fetch(`${http}/dashboard/data`, { headers: auth });
    assert.equal(data.status, 200);
    assert.equal(data.headers.get('cache-control'), 'no-store');
    assert.deepEqual(Object.keys(await data.json()), ['at', 'workers', 'topTopics']);
  });

  test('the page is served without the key, holds no numbers, and may run only its own script', async () => {
    const page = await fetch(`${http}/dashboard`);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'; script-src 'sha256-[A-Za-z0-9+/]+=*';/);
    assert.match(csp, /frame-ancestors 'none'/);
    const html = await page.text();
    assert.match(html, /<script>/);
    assert.doesNotMatch(html, /<script src|<link|https?:\/\//, 'no external asset');
    assert.equal((await fetch(`${http}/dashboard/data`, { method: 'POST', headers: auth })).status, 405);
  });

  test('its numbers are the /metrics numbers after publications', async () => {
    const subscribers = [connectClient(url), connectClient(url)];
    await Promise.all(subscribers.map((client) => client.subscribe('dash:hot', () => {})));
    for (let i = 0; i < 7; i++) assert.equal((await postJson(`${http}/api/publish`, { topic: 'dash:hot', data: i }, auth)).status, 200);
    for (let i = 0; i < 3; i++) assert.equal((await postJson(`${http}/api/publish`, { topic: 'dash:cold', data: i }, auth)).status, 200);

    const metrics = scrapeSeries(await (await fetch(`${http}/metrics`, { headers: auth })).text());
    const view = await (await fetch(`${http}/dashboard/data`, { headers: auth })).json();
    assert.equal(view.workers.length, 1);
    const [server] = view.workers;
    assert.equal(server.worker, null);
    assert.equal(server.connections, metrics.get('switchboard_connections'));
    assert.equal(server.connections, 2);
    assert.equal(server.engineReady, metrics.get('switchboard_engine_ready'));
    for (const [field, name] of [
      ['publications', 'switchboard_publications_total'],
      ['deliveries', 'switchboard_deliveries_total'],
      ['httpPublishes', 'switchboard_http_publishes_total'],
      ['messagesIn', 'switchboard_messages_in_total'],
      ['slowLagged', 'switchboard_slow_consumers_lagged_total'],
      ['slowClosed', 'switchboard_slow_consumers_closed_total'],
    ] as const) {
      assert.equal(server[field], metrics.get(name), field);
    }
    assert.ok(server.publications >= 10);
    // Two subscribers of dash:hot, none of dash:cold: 7 × 2 messages handed to sockets.
    assert.equal(server.deliveries, 14);
  });

  test('top topics: the busiest of the last window, as /metrics exports them', async () => {
    for (let i = 0; i < 12; i++) await postJson(`${http}/api/publish`, { topic: 'dash:top', data: i }, auth);
    // The tally closes its window on a reading at least 5 s after it opened, and either reading
    // below may be the one that closes it: read until both saw the same window, or time out.
    const rateIn = (metrics: Map<string, number>, topic: string) => metrics.get(`switchboard_top_topic_publications_per_second{topic="${topic}"}`);
    const agree = (view: View, metrics: Map<string, number>) => view.topTopics.every((t) => t.perSecond === rateIn(metrics, t.topic));
    let view: View = { topTopics: [] };
    let metrics = new Map<string, number>();
    const deadline = Date.now() + 12_000;
    while (!(view.topTopics.some((t) => t.topic === 'dash:top') && agree(view, metrics)) && Date.now() < deadline) {
      await sleep(250);
      metrics = scrapeSeries(await (await fetch(`${http}/metrics`, { headers: auth })).text());
      view = await (await fetch(`${http}/dashboard/data`, { headers: auth })).json();
    }
    const names = view.topTopics.map((t) => t.topic);
    assert.ok(names.includes('dash:top'), `dash:top among ${names.join(', ')}`);
    for (const { topic, perSecond } of view.topTopics) assert.equal(perSecond, rateIn(metrics, topic), topic);
    const rates = view.topTopics.map((t) => t.perSecond);
    assert.deepEqual(rates, [...rates].sort((a, b) => b - a), 'busiest first');
  });
});

describe('dashboard without an API key', async () => {
  const { http } = await startServer();

  test('answers loopback callers, and refuses a page of another origin as the keyless API does', async () => {
    assert.equal((await fetch(`${http}/dashboard/data`)).status, 200);
    const foreign = { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' };
    const metrics = await fetch(`${http}/metrics`, { headers: foreign });
    const data = await fetch(`${http}/dashboard/data`, { headers: foreign });
    assert.equal(metrics.status, 403);
    assert.equal(data.status, metrics.status);
  });
});


describe('dashboard of switchboard --workers 2', { skip: redisMissing }, async () => {
  if (redisMissing !== undefined) return;
  const redis = await startRedis();
  const port = await freePort();
  const http = `http://127.0.0.1:${port}`;
  const cli = startCli(['--workers', '2', '--port', String(port), '--host', '127.0.0.1', '--redis', redis.url, '--api-key', KEY]);
  await cli.line(/listening on .* with 2 workers/);

  test('one entry per worker, each with the numbers of its worker-labelled /metrics series', async () => {
    for (let i = 0; i < 6; i++) assert.equal((await postJson(`${http}/api/publish`, { topic: 'dash:box', data: i }, auth)).status, 200);
    const metrics = scrapeSeries(await (await fetch(`${http}/metrics`, { headers: auth })).text());
    const view = await (await fetch(`${http}/dashboard/data`, { headers: auth })).json();
    assert.deepEqual(view.workers.map((w: { worker: string }) => w.worker), ['1', '2']);
    for (const worker of view.workers) {
      for (const [field, name] of [
        ['connections', 'switchboard_connections'],
        ['engineReady', 'switchboard_engine_ready'],
        ['publications', 'switchboard_publications_total'],
        ['httpPublishes', 'switchboard_http_publishes_total'],
      ] as const) {
        assert.equal(worker[field], metrics.get(`${name}{worker="${worker.worker}"}`), `${field} of worker ${worker.worker}`);
      }
    }
    assert.equal(view.workers.reduce((sum: number, w: { httpPublishes: number }) => sum + w.httpPublishes, 0), 6, 'the box saw the 6 HTTP publishes');
  });
});
