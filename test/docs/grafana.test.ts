/**
 * docs/grafana/switchboard.json asks Prometheus only for metrics Switchboard exports: every metric
 * name in its PromQL (panel queries and template variables) is in a live server's /metrics. A
 * renamed metric would otherwise leave a panel silently empty.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { startServer } from '../helpers/server.js';

const DASHBOARD = JSON.parse(readFileSync(new URL('../../docs/grafana/switchboard.json', import.meta.url), 'utf8')) as GrafanaDashboard;

interface GrafanaDashboard {
  panels: Array<{ title: string; targets?: Array<{ expr: string }> }>;
  templating: { list: Array<{ name: string; definition?: string }> };
}

// PromQL words that are neither metrics nor followed by `(`.
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool', 'and', 'or', 'unless']);

/** The metric names a PromQL expression selects: identifiers that are not functions, keywords, labels or inside matchers and ranges. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const names: string[] = [];
  for (const match of bare.matchAll(/(?<![\w.$])[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const rest = bare.slice(match.index + match[0].length).trimStart();
    if (rest.startsWith('(') || KEYWORDS.has(match[0])) continue;
    names.push(match[0]);
  }
  return names;
}

/** Every query of the dashboard with where it is; a template's `label_values(metric, label)` counts as its metric. */
function queries(): Array<{ where: string; expr: string }> {
  const panels = DASHBOARD.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ where: `panel "${panel.title}"`, expr: target.expr })));
  const templates = DASHBOARD.templating.list
    .filter((variable) => variable.definition !== undefined)
    .map((variable) => ({ where: `variable $${variable.name}`, expr: variable.definition!.replace(/^label_values\(\s*([^,]+),.*\)$/, '$1') }));
  return [...panels, ...templates];
}

/** Metric names in exposition text: every `# TYPE` (so a series with no sample yet counts) and a histogram's or summary's derived names. */
function exported(text: string): Set<string> {
  const names = new Set<string>();
  for (const match of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(match[1]!);
    if (match[2] === 'histogram' || match[2] === 'summary') for (const suffix of ['_bucket', '_sum', '_count']) names.add(match[1]! + suffix);
  }
  return names;
}

/** `where: name` for each name of the dashboard not in `names`. */
function unknownNames(all: ReadonlyArray<{ where: string; expr: string }>, names: ReadonlySet<string>): string[] {
  return all.flatMap(({ where, expr }) => metricNames(expr).filter((name) => !names.has(name)).map((name) => `${where}: ${name}`));
}

describe('the Grafana dashboard in docs/grafana', async () => {
  const { http } = await startServer();
  const names = exported(await (await fetch(`${http}/metrics`)).text());

  test('every query names at least one metric, and each is one /metrics exports', () => {
    const all = queries();
    assert.ok(all.length >= 20, `${all.length} queries found`);
    for (const { where, expr } of all) assert.ok(metricNames(expr).length > 0, `${where} selects no metric: ${expr}`);
    assert.deepEqual(unknownNames(all, names), []);
  });

  test('a planted wrong name is caught', () => {
    const planted = [{ where: 'planted', expr: 'sum by (worker) (rate(switchboard_publication_total{worker=~"$w"}[$__rate_interval]))' }];
    assert.deepEqual(unknownNames(planted, names), ['planted: switchboard_publication_total']);
  });

  test('the extraction skips functions, labels, matchers, ranges and keywords', () => {
    assert.deepEqual(metricNames('topk(10, sum by (topic) (a_total{x="b_total"}[5m] offset 1m)) / on (job) group_left c or d'), ['a_total', 'c', 'd']);
  });
});
