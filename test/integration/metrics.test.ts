/**
 * /metrics against the documentation: every metric docs/api.md §3.7 lists is exported, and the
 * counters move with what the test does (a metric that exists but never counts is a broken one).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { encode } from '@msgpack/msgpack';
import { RawClient } from '../helpers/raw-client.js';
import { postJson, startServer } from '../helpers/server.js';
import { upgradeStatus } from '../helpers/upgrade.js';

const DOC = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');

/** Metric names from the §3.7 table (wildcard rows become prefixes). */
function documentedMetrics(): string[] {
  const section = DOC.slice(DOC.indexOf('### 3.7 `GET /metrics`'), DOC.indexOf('### 3.8'));
  return [...section.matchAll(/^\| ((?:`switchboard_[a-z_*]+`(?:, )?)+) \|/gm)].flatMap((m) => [...m[1]!.matchAll(/`([^`]+)`/g)].map((n) => n[1]!));
}

function parse(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{[^}]*\})? ([-\d.e+]+)$/.exec(line);
    if (match) values.set(match[1]!, (values.get(match[1]!) ?? 0) + Number(match[2]));
  }
  return values;
}

describe('metrics', async () => {
  const { http, url } = await startServer({ jwtSecret: 'metrics-secret-0123456789', messagesPerSecond: 5, maxSubscriptions: 1, allowedOrigins: ['https://ok.example'] });
  const scrape = async () => parse(await (await fetch(`${http}/metrics`)).text());

  test('every documented metric is exported', async () => {
    const names = documentedMetrics();
    assert.ok(names.length >= 17, `parsed ${names.length} names from the doc`);
    const text = await (await fetch(`${http}/metrics`)).text();
    // A labelled gauge with no series yet (the top topics before a window closed) is exported as
    // its HELP and TYPE lines alone.
    const exported = [...parse(text).keys(), ...[...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!)];
    for (const name of names) {
      const found = name.endsWith('*') ? exported.some((e) => e.startsWith(name.slice(0, -1))) : exported.includes(name);
      assert.ok(found, `${name} is documented but not exported`);
    }
    assert.ok(!exported.some((name) => name.startsWith('switchboard_process_process_')), 'no doubled prefix');
  });

  test('the counters count what happened', async () => {
    const before = await scrape();
    const delta = (values: Map<string, number>, name: string) => (values.get(name) ?? 0) - (before.get(name) ?? 0);
    await upgradeStatus(url); // no token: refused
    assert.equal((await postJson(`${http}/api/publish`, { topic: 'm', data: 'x' })).status, 200);
    assert.equal((await postJson(`${http}/api/broadcast`, { topics: ['m', 'n'], data: 1 })).status, 200);
    const { SignJWT } = await import('jose');
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('u').setExpirationTime('1h').sign(new TextEncoder().encode('metrics-secret-0123456789'));
    const raw = await RawClient.connect(`${url}?token=${token}`);
    raw.sendRaw(encode([1, 'bad id']));
    for (let i = 0; i < 30; i++) raw.sendRaw(encode([5, i + 1]));
    await raw.closedWith();
    const after = await scrape();
    assert.equal(delta(after, 'switchboard_upgrades_refused_total'), 1);
    assert.equal(delta(after, 'switchboard_http_publishes_total'), 3);
    assert.equal(delta(after, 'switchboard_publications_total'), 3);
    assert.equal(delta(after, 'switchboard_connections_opened_total'), 1);
    assert.equal(delta(after, 'switchboard_bad_frames_total'), 1);
    assert.equal(delta(after, 'switchboard_rate_limited_total'), 1);
    assert.ok(delta(after, 'switchboard_messages_in_total') >= 2);
    assert.ok(delta(after, 'switchboard_bytes_in_total') > 0);
    assert.ok(delta(after, 'switchboard_published_bytes_total') >= 3);
    assert.ok((after.get('switchboard_history_bytes') ?? 0) > 0);
    assert.equal(after.get('switchboard_connections'), 0);
  });
});
