/** `npm run bench -- --help` prints usage and exits 0, without running a benchmark. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

test('bench --help prints usage with every suite and exits 0', async () => {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--help'], { cwd: REPO, timeout: 30_000 });
  assert.match(stdout, /^Usage: npm run bench -- \[suite \.\.\.\] \[options\]/);
  assert.match(stdout, /Suites: codec, publish-path, topics, jwt, filters/);
  assert.doesNotMatch(stdout, /ops\/s|│/, 'no benchmark ran');
  assert.equal(stderr, '');
});
