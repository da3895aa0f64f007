/**
 * Which test files make up each part of the suite (unit, integration, e2e) and which of them must
 * run alone. Shared by scripts/run-tests.mjs (which runs them) and test/unit/suite/parts.test.ts
 * (which checks that every test file belongs to exactly one part), so the two cannot disagree.
 *
 * Discovery is recursive: a `*.test.ts` anywhere under a part's folders runs. Node 20's `--test`
 * takes no glob arguments, and shell globs such as `test/unit/*\/*.test.ts` silently skip a file
 * one folder deeper than the pattern.
 */
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file lives in scripts/). */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Each part and the folders (relative to the root) whose test files it runs, slowest folders first. */
export const PARTS = {
  /** Pure code against fakes: no sockets, no child processes. */
  unit: ['test/unit'],
  /** Real servers on ephemeral ports, real redis-server and sentinels, PHP, nginx; the engine conformance suite; attacks. */
  integration: ['test/integration', 'test/security', 'test/engine'],
  /** Whole products: Chromium, the packed package, the load-test harness, the docs' code blocks. */
  e2e: ['test/docs', 'test/browser', 'test/package', 'test/loadtest'],
};

/**
 * Files that run alone, after the concurrent files of their run and one at a time: each drives
 * load at full CPU (or starts a cluster that does), so anything beside it would both slow it past
 * its own bounds and starve the timers of the tests sharing the two cores.
 */
export const SERIAL = [
  'test/integration/redis-bench-scripts.test.ts',
  'test/integration/k6-scripts.test.ts',
  'test/loadtest/cluster.test.ts',
  'test/loadtest/smoke.test.ts',
  'test/loadtest/rounds.test.ts',
  'test/loadtest/find-max.test.ts',
  'test/loadtest/pusher-subscribers.test.ts',
];

/** Every `*.test.ts` under `folder` (relative to the root), recursively, as sorted root-relative paths with `/`. */
export function testFilesUnder(folder) {
  const found = [];
  const walk = (dir) => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && entry.name.endsWith('.test.ts')) found.push(path);
    }
  };
  walk(folder);
  return found.sort();
}

/** The test files of one part. */
export function partFiles(part) {
  const folders = PARTS[part];
  if (folders === undefined) throw new Error(`unknown test part "${part}" (known: ${Object.keys(PARTS).join(', ')})`);
  return folders.flatMap(testFilesUnder);
}

/** A path as the lists above write it: root-relative with `/`. */
export function rootRelative(path) {
  return relative(ROOT, path).split(sep).join('/');
}
