/**
 * The suite runs every test file exactly once: each `*.test.ts` under test/ belongs to exactly one
 * part of scripts/test-parts.mjs (a file outside every part would never run, and one in two parts
 * would run twice in `npm test`), and every file listed to run alone is a real test file.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PARTS, SERIAL, partFiles, testFilesUnder } from '../../../scripts/test-parts.mjs';

test('every test file under test/ belongs to exactly one part', () => {
  const owners = new Map<string, string[]>();
  for (const part of Object.keys(PARTS)) for (const file of partFiles(part)) owners.set(file, [...(owners.get(file) ?? []), part]);
  const all = testFilesUnder('test');
  assert.ok(all.length > 100, `found only ${all.length} test files`);
  const wrong = all.filter((file) => owners.get(file)?.length !== 1).map((file) => `${file}: ${owners.get(file)?.join(' and ') ?? 'in no part'}`);
  assert.deepEqual(wrong, [], 'add its folder to one part in scripts/test-parts.mjs');
});

test('every file listed to run alone is a test file of some part', () => {
  const all = new Set(Object.keys(PARTS).flatMap(partFiles));
  assert.deepEqual(SERIAL.filter((file) => !all.has(file)), []);
});
