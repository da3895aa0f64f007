/**
 * The suite runs every test file exactly once: each `*.test.ts` under test/ belongs to exactly one
 * part of scripts/test-parts.mjs (a file outside every part would never run, and one in two parts
 * would run twice in `npm test`), and every file listed as heavy is a real test file.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { HEAVY, PARTS, ROOT, SHARED_PROCESS_PARTS, partFiles, sharedEntrySource, shareProcesses, testFilesUnder } from '../../../scripts/test-parts.mjs';

test('every test file under test/ belongs to exactly one part', () => {
  const owners = new Map<string, string[]>();
  for (const part of Object.keys(PARTS)) for (const file of partFiles(part)) owners.set(file, [...(owners.get(file) ?? []), part]);
  const all = testFilesUnder('test');
  assert.ok(all.length > 100, `found only ${all.length} test files`);
  const wrong = all.filter((file) => owners.get(file)?.length !== 1).map((file) => `${file}: ${owners.get(file)?.join(' and ') ?? 'in no part'}`);
  assert.deepEqual(wrong, [], 'add its folder to one part in scripts/test-parts.mjs');
});

test('every file listed as heavy is a test file of some part', () => {
  const all = new Set(Object.keys(PARTS).flatMap(partFiles));
  assert.deepEqual(HEAVY.filter((file) => !all.has(file)), []);
});

test('the shared-process parts split into groups that run every file once, each as its own suite', () => {
  for (const part of SHARED_PROCESS_PARTS) {
    const files = partFiles(part);
    for (const count of [1, 3, 4, files.length + 5]) {
      const groups = shareProcesses(files, count);
      assert.equal(groups.length, Math.min(count, files.length));
      assert.deepEqual(groups.flat().sort(), [...files].sort(), `${count} groups`);
      assert.ok(groups.every((group) => group.length > 0), 'no empty process');
    }
    const source = sharedEntrySource(files);
    for (const file of files) {
      const url = pathToFileURL(join(ROOT, file)).href;
      assert.equal(source.split(`describe(${JSON.stringify(file)}, async () => { await import(${JSON.stringify(url)}); });`).length, 2, file);
    }
  }
});
