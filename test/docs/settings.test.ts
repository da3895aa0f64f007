/**
 * One source for settings: the README and docs/api.md tables of options, flags, variables and
 * defaults are generated from src/server/config/settings.ts (whose defaults come from DEFAULTS),
 * and the settings table itself misses no option and no variable the code reads. A drifted table
 * fails here with the fix: `UPDATE_DOCS=1 node --import tsx --test test/docs/settings.test.ts`
 * rewrites the generated regions.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { DEFAULTS } from '../../src/server/config/options.js';
import { SETTINGS } from '../../src/server/config/settings.js';
import { TABLES } from './settings-tables.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const REGION = /(<!-- generated: settings ([\w-]+)[^>]*-->\n)([\s\S]*?)(\n<!-- end generated -->)/g;
const FILES = ['README.md', 'docs/api.md'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('settings table', () => {
  test('every generated region of the docs equals its rendering from the settings table', () => {
    const found = new Set<string>();
    for (const file of FILES) {
      const path = join(REPO, file);
      const text = readFileSync(path, 'utf8');
      const updated = text.replace(REGION, (_all, open: string, name: string, body: string, close: string) => {
        const render = TABLES[name];
        assert.ok(render !== undefined, `${file}: unknown generated region "${name}" (known: ${Object.keys(TABLES).join(', ')})`);
        found.add(name);
        const expected = render();
        if (process.env.UPDATE_DOCS !== '1') {
          assert.equal(body, expected, `${file}: the "${name}" table differs from src/server/config/settings.ts; fix the settings table, then rewrite the docs with UPDATE_DOCS=1 node --import tsx --test test/docs/settings.test.ts`);
        }
        return open + expected + close;
      });
      if (updated !== text) writeFileSync(path, updated);
    }
    assert.deepEqual([...found].sort(), Object.keys(TABLES).sort(), 'every table has its region in the docs');
  });

  test('every option with a default has a setting', () => {
    const keys = new Set(SETTINGS.map((setting) => setting.key));
    const missing = Object.keys(DEFAULTS).filter((key) => !keys.has(key));
    assert.deepEqual(missing, [], `options without a row in src/server/config/settings.ts: ${missing.join(', ')}`);
  });

  test('every environment variable the server and the command read has a setting', () => {
    const listed = new Set(SETTINGS.flatMap((setting) => setting.env?.map((variable) => variable.name) ?? []));
    // Set by the supervisor for its workers, never by an operator.
    const internal = new Set(['SWITCHBOARD_WORKER_ID']);
    const read = new Set<string>();
    for (const file of sourceFiles(join(REPO, 'src/server'))) {
      const text = readFileSync(file, 'utf8');
      // `env.X`, or a SWITCHBOARD_ name in quotes (env[...] and constants): identifiers such as
      // SWITCHBOARD_WIRES are code, not variables.
      for (const match of text.matchAll(/\benv\.([A-Z][A-Z0-9_]+)|['"`](SWITCHBOARD_[A-Z0-9_]+)['"`]/g)) read.add(match[1] ?? match[2]!);
    }
    const missing = [...read].filter((name) => !listed.has(name) && !internal.has(name)).sort();
    assert.deepEqual(missing, [], `variables read in src/server but missing from src/server/config/settings.ts: ${missing.join(', ')}`);
  });
});
