/**
 * The options table of loadtest/README.md states every flag's default, per scenario where they
 * differ; those defaults must be loadtest/options.ts's. A row's default cell is `<value>` for every
 * scenario, with `(<scenario>[, <scenario>…][:] <value>; …)` naming the scenarios that differ
 * (`unused` where a scenario ignores the flag); a row whose meaning starts with `<scenario>:` (or
 * `<scenario> only`) is checked for those scenarios alone. Anything else in parentheses is prose.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { defaultsFor, SCENARIOS, USAGE, type LoadOptions, type ScenarioName } from '../../loadtest/options.js';

/** Flags whose option key is not the flag in camelCase. */
const KEY_OF: Record<string, keyof LoadOptions> = { 'topics-per-conn': 'topicsPerConnection', 'max-server-rss': 'maxServerRssMb', 'p99-bound': 'p99BoundMs' };

interface Row {
  flags: string[];
  value: string;
  overrides: Map<ScenarioName, string>;
  /** Scenarios the row is about; every scenario when the meaning names none. */
  scenarios: readonly ScenarioName[];
}

const isScenario = (word: string): word is ScenarioName => (SCENARIOS as readonly string[]).includes(word);

/** Parses the README's "## Options" table. */
function optionsTable(markdown: string): Row[] {
  const section = markdown.slice(markdown.indexOf('\n## Options\n'));
  const rows: Row[] = [];
  for (const line of section.split('\n').slice(2)) {
    if (line.startsWith('## ')) break;
    if (!line.startsWith('| `--')) continue;
    const cells = line.slice(1).split(/(?<!\\) \| ?/).map((cell) => cell.trim());
    const [flagCell, defaultCell, meaning] = [cells[0]!, cells[1]!, cells[2] ?? ''];
    const flags = [...flagCell.matchAll(/`--([a-z0-9-]+)/g)].map((match) => match[1]!);
    const open = defaultCell.indexOf(' (');
    const value = (open < 0 ? defaultCell : defaultCell.slice(0, open)).trim();
    const overrides = new Map<ScenarioName, string>();
    if (open >= 0) {
      for (const part of defaultCell.slice(open + 2, defaultCell.lastIndexOf(')')).split(';')) {
        const match = /^\s*([a-z-]+(?:, [a-z-]+)*):? (\S.*)$/.exec(part);
        if (match === null) continue;
        const names = match[1]!.split(', ');
        if (!names.every(isScenario)) continue;
        for (const name of names) overrides.set(name, match[2]!);
      }
    }
    const scope = /^([a-z-]+(?:, [a-z-]+)*)(?::| only)/.exec(meaning);
    const scoped = scope?.[1]!.split(', ');
    const scenarios = scoped !== undefined && scoped.every(isScenario) ? scoped : SCENARIOS;
    rows.push({ flags, value, overrides, scenarios });
  }
  return rows;
}

/** What a documented default means as an option value; `skip` for a scenario that ignores the flag. */
function documented(text: string): unknown {
  if (text === 'unused') return 'skip';
  if (text === 'off') return false;
  if (text === '—') return undefined;
  const number = /^(\d[\d,]*)/.exec(text);
  if (number !== null) return Number(number[1]!.replaceAll(',', ''));
  const code = /^`([^`]+)`$/.exec(text);
  if (code !== null) return code[1];
  // Prose ("a private redis-server per run"): the option is unset and the harness decides.
  return undefined;
}

/** Every row's default against defaultsFor(); one message per mismatch. */
function mismatches(rows: readonly Row[]): string[] {
  const found: string[] = [];
  for (const row of rows) {
    for (const flag of row.flags) {
      const key = KEY_OF[flag] ?? (flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase()) as keyof LoadOptions);
      for (const scenario of row.scenarios) {
        const defaults = defaultsFor(scenario);
        if (!(key in defaults)) {
          found.push(`--${flag}: no option ${key} in options.ts`);
          break;
        }
        const expected = documented(row.overrides.get(scenario) ?? row.value);
        if (expected === 'skip') continue;
        const actual = defaults[key];
        const shown = Array.isArray(actual) ? actual.join(',') : actual;
        if (shown !== expected) found.push(`--${flag} in ${scenario}: README says ${String(expected)}, options.ts has ${String(shown)}`);
      }
    }
  }
  return found;
}

describe('loadtest/README.md options table', () => {
  const rows = optionsTable(readFileSync('loadtest/README.md', 'utf8'));

  it('states the defaults options.ts has, scenario by scenario', () => {
    assert.ok(rows.length > 20, `found only ${rows.length} rows`);
    assert.deepEqual(mismatches(rows), []);
  });

  it('has a row for every flag the usage text lists', () => {
    const documentedFlags = new Set(rows.flatMap((row) => row.flags));
    const usageFlags = [...USAGE.matchAll(/^ {2}--([a-z0-9-]+)/gm)].map((match) => match[1]!);
    assert.ok(usageFlags.length > 20);
    assert.deepEqual(usageFlags.filter((flag) => !documentedFlags.has(flag)), []);
  });
});
