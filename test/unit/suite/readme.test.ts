/**
 * test/README.md maps features to test files: every path it names must exist (files move between
 * folders, and a map to files that are gone misleads), and every test file must be reachable from
 * it, named itself or under a folder it names.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, testFilesUnder } from '../../../scripts/test-parts.mjs';

const README = readFileSync(join(ROOT, 'test/README.md'), 'utf8');
/** Every `code span` that looks like a repository path. */
const named = [...README.matchAll(/`((?:test|scripts|src|docs|\.ci)\/[^`\s]*)`/g)].map((m) => m[1]!);

test('every path test/README.md names exists', () => {
  assert.ok(named.length > 50, `found only ${named.length} paths`);
  assert.deepEqual(named.filter((path) => !existsSync(join(ROOT, path))), []);
});

test('every test file is named in test/README.md or lies under a folder it names', () => {
  // `test/` itself names no feature.
  const folders = named.filter((path) => path.endsWith('/') && path !== 'test/');
  const files = new Set(named);
  assert.deepEqual(testFilesUnder('test').filter((file) => !files.has(file) && !folders.some((folder) => file.startsWith(folder))), []);
});
