/**
 * The package's public API is curated: src/server/index.ts exports exactly the names docs/api.md
 * lists in its "Exports" table, values and types alike, so an internal that leaks into the entry
 * point (or a documented name that disappears) fails here instead of becoming API by accident.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const ENTRY = new URL('../../../src/server/index.ts', import.meta.url);
const DOC = readFileSync(new URL('../../../docs/api.md', import.meta.url), 'utf8');

/** Names in the docs' Exports table (between its begin and end markers). */
function documentedExports(): string[] {
  const begin = DOC.indexOf('<!-- exports: begin -->');
  const end = DOC.indexOf('<!-- exports: end -->');
  assert.ok(begin >= 0 && end > begin, 'docs/api.md has an exports table between its markers');
  const rows = DOC.slice(begin, end).split('\n').filter((line) => line.startsWith('| `'));
  return rows.flatMap((row) => [...row.split('|')[1]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!)).sort();
}

/**
 * The entry point's exports as written, each marked as a type-only export or not. The entry holds
 * only `export { ... } from` and `export type { ... } from` statements, which this reads.
 */
function declaredExports(): Array<{ name: string; typeOnly: boolean }> {
  const code = readFileSync(ENTRY, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  const statements = [...code.matchAll(/export\s+(type\s+)?\{([^}]*)\}\s*from\s*'[^']+';/g)];
  // `export *` (or any other form) would make the list whatever a module happens to export.
  const rest = code.replace(/export\s+(type\s+)?\{([^}]*)\}\s*from\s*'[^']+';/g, '');
  assert.doesNotMatch(rest, /\bexport\b/, 'the entry point names every export in `export { ... } from` statements');
  return statements.flatMap((m) =>
    m[2]!
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '')
      .map((item) => {
        const typeOnly = m[1] !== undefined || item.startsWith('type ');
        const name = item.replace(/^type\s+/, '').split(/\s+as\s+/).pop()!;
        return { name, typeOnly };
      }),
  );
}

test('the entry point exports exactly the names docs/api.md lists', () => {
  const declared = declaredExports().map((entry) => entry.name).sort();
  assert.deepEqual(declared, documentedExports());
});

test('its runtime exports are the documented values', async () => {
  const entry = (await import('../../../src/server/index.js')) as Record<string, unknown>;
  const typeOnly = new Set(declaredExports().filter((entry) => entry.typeOnly).map((entry) => entry.name));
  const values = documentedExports().filter((name) => !typeOnly.has(name));
  assert.deepEqual(Object.keys(entry).sort(), values);
  assert.ok(values.length >= 15, `parsed ${values.length} value exports`);
});
