/**
 * What `npm run loadtest` prints (loadtest/report/text-report.ts), from fixed result fixtures: the
 * conclusion first; ONE compare table whose every ratio is against the stated baseline (the relay,
 * even with bare uWS in the list); deliveries that add up to what was due; no claim about the knee
 * after one round; a legend naming every column of the table.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { LoadReport } from '../../loadtest/report/load-report.js';
import { arrivals } from '../../loadtest/report/arrivals.js';
import { conclusion } from '../../loadtest/report/conclusion.js';
import { median } from '../../loadtest/report/stats.js';
import { formatReport } from '../../loadtest/report/text-report.js';

const load = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as LoadReport;
const keptUp = load('compare-report.json');
const behind = load('compare-behind-report.json');

/** The compare table: its header line, its rows by server, and the column of each header cell. */
function compareTable(text: string): { header: string[]; rows: Map<string, string[]> } {
  const lines = text.split('\n');
  const headers = lines.filter((line) => /^server\s+delivered\/s/.test(line));
  assert.equal(headers.length, 1, `one compare table, got ${headers.length}`);
  const start = lines.indexOf(headers[0]!);
  const header = headers[0]!.trim().split(/\s{2,}/);
  const rows = new Map<string, string[]>();
  for (const line of lines.slice(start + 2)) {
    if (line.trim() === '' || !/\d/.test(line) || /^\S+ rounds?|^one round/.test(line)) break;
    const cells = line.trim().split(/\s{2,}/);
    rows.set(cells[0]!.replace(' (baseline)', ''), cells);
  }
  return { header, rows };
}

describe('text report', () => {
  it('starts with the conclusion', () => {
    for (const report of [keptUp, behind]) {
      const text = formatReport(report);
      assert.equal(text.trimStart().split('\n')[0], `conclusion: ${conclusion(report)}`);
    }
  });

  it('prints one compare table, every ratio against the relay (one round)', () => {
    const { header, rows } = compareTable(formatReport(behind));
    assert.deepEqual(header.filter((h) => h.startsWith('vs ')), ['vs relay', 'vs relay', 'vs relay']);
    const [delivered, p99] = [header.indexOf('delivered/s') + 1, header.indexOf('p99 ms') + 1];
    const of = (server: string) => behind.results.find((r) => r.server === server)!;
    for (const server of ['switchboard', 'uws']) {
      const cells = rows.get(server)!;
      assert.equal(cells[delivered], `${(of(server).deliveredPerSec / of('relay').deliveredPerSec).toFixed(2)}x`, `${server} delivered/s vs relay`);
      assert.equal(cells[p99], `${(of(server).latencyMs.p99 / of('relay').latencyMs.p99).toFixed(2)}x`, `${server} p99 vs relay`);
    }
    assert.equal(rows.get('relay')![delivered], behind.results.find((r) => r.server === 'relay')!.latencyMs.p99.toFixed(1), 'no ratio cells on the baseline row: the next cell is its p99');
  });

  it('takes ratios within each round against the relay, then their median (two rounds)', () => {
    const { header, rows } = compareTable(formatReport(keptUp));
    const p99 = header.indexOf('p99 ms') + 1;
    const perRound = [0, 1].map((round) => {
      const of = (server: string) => keptUp.results.find((r) => r.server === server && r.round === round)!.latencyMs.p99;
      return of('ws') / of('relay');
    });
    assert.match(rows.get('ws')![p99]!, new RegExp(`^${median(perRound).toFixed(2)}x \\(${Math.min(...perRound).toFixed(2)}x–${Math.max(...perRound).toFixed(2)}x\\)$`));
  });

  it('says where every delivery went: in the window + late + lost = due', () => {
    const text = formatReport(behind);
    const sb = behind.results.find((r) => r.server === 'switchboard')!;
    const line = text.split('\n').find((l) => l.startsWith('compare — switchboard'))!;
    const block = text.slice(text.indexOf(line));
    const m = /deliveries\s+([\d,]+) due: ([\d,]+) arrived in the window, ([\d,]+) late \(after it\), ([\d,]+) lost\n/.exec(block);
    assert.ok(m, `deliveries line in\n${block.slice(0, 600)}`);
    const [due, inWindow, late, lost] = m.slice(1).map((n) => Number(n.replace(/,/g, '')));
    assert.equal(inWindow! + late! + lost!, due);
    assert.equal(due, sb.published * 1010, 'due: publications × (1,000 subscribers + 10 probes)');
    assert.equal(inWindow, sb.delivered);
    assert.equal(arrivals(sb)!.unaccounted, 0);
  });

  it('says when late arrivals were not counted (older results)', () => {
    const text = formatReport({ ...keptUp, findMax: undefined, results: keptUp.results.slice(0, 1), repeat: { ...keptUp.repeat!, rounds: [keptUp.repeat!.rounds[0]!] } });
    assert.match(text, /deliveries\s+10,964 arrived in the window, 0 lost \(arrivals after the window not counted\)/);
  });

  it('judges a single run against the run\'s p99 bound, in the conclusion and the verdict line alike', () => {
    const relay = keptUp.results.find((r) => r.server === 'relay' && r.round === 0)!;
    const single: LoadReport = { scenario: 'fanout', results: [{ ...relay, scenario: 'fanout' }] };
    const strict = formatReport(single, { p99BoundMs: 1 });
    assert.match(strict, /^conclusion: relay fell behind at /m);
    assert.match(strict, /^ {2}verdict\s+.*p99 [\d.]+ ms > 1 ms$/m);
    assert.match(formatReport(single, { p99BoundMs: 50 }), /^ {2}verdict\s+kept up/m);
  });

  it('after one round says what was measured, not whether a server is on the knee', () => {
    const text = formatReport(behind);
    assert.match(text, /^one round: every figure is a single run of each server/m);
    assert.doesNotMatch(text, /knee/i);
    assert.match(formatReport(keptUp), /^the 2 rounds agree: each server kept up, or fell behind, in every round$/m);
  });

  it('is what loadtest/README.md shows under "Reading the text output"', () => {
    const readme = readFileSync(new URL('../../loadtest/README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('### Reading the text output'));
    const block = /```\n([\s\S]*?)```/.exec(section)![1]!;
    const printed = new Set(formatReport(behind).split('\n').map((line) => line.trimEnd()));
    for (const line of block.split('\n').filter((l) => l.trim() !== '')) assert.ok(printed.has(line.trimEnd()), `README line not in the output: ${line}`);
  });

  it('explains every column of the compare table once, and the jargon in build lines', () => {
    const text = formatReport(behind);
    const { header } = compareTable(text);
    const legend = text.slice(text.indexOf('columns:'));
    for (const column of new Set(header)) assert.match(legend, new RegExp(`^  ${column.replace(/[/%()]/g, '\\$&')}\\s{2,}\\S`, 'm'), `legend explains "${column}"`);
    assert.equal(text.match(/^ {2}serial scavenge\s/gm)?.length, 1, 'serial scavenge explained once');
    assert.doesNotMatch(text, /machine-bound|CPU-bound/);
  });
});
