/**
 * Which test files make up each part of the suite (unit, integration, e2e), which of them run
 * after the rest, few at a time, and which share processes. Shared by scripts/run-tests.mjs (which
 * runs them) and test/unit/suite/parts.test.ts (which checks that every test file belongs to
 * exactly one part), so the two cannot disagree.
 *
 * Discovery is recursive: a `*.test.ts` anywhere under a part's folders runs. Node 20's `--test`
 * takes no glob arguments, and shell globs such as `test/unit/*\/*.test.ts` silently skip a file
 * one folder deeper than the pattern.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

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
 * Files that run after the concurrent files of their run, HEAVY_CONCURRENCY at a time: each drives
 * load at full CPU (or starts a cluster that does), so among three others it would both slow past
 * its own bounds and starve the timers of the tests sharing the two cores. One beside another is
 * fine: most of their time is spent starting processes and waiting out fixed-length load phases.
 */
export const HEAVY = [
  'test/integration/redis-bench-scripts.test.ts',
  'test/integration/k6-scripts.test.ts',
  'test/loadtest/cluster.test.ts',
  'test/loadtest/smoke.test.ts',
  'test/loadtest/rounds.test.ts',
  'test/loadtest/find-max.test.ts',
  'test/loadtest/pusher-subscribers.test.ts',
];

/** How many HEAVY files run at once. */
export const HEAVY_CONCURRENCY = 2;

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

/**
 * Parts whose files share a few processes instead of taking one each. A unit file runs in tens of
 * milliseconds, while a node process that loads the sources through tsx costs about half a second
 * of CPU: one process per file spent most of the unit part's time starting processes. Unit files
 * touch no sockets or child processes, so they can share; each still runs as its own suite (named
 * by its path), so its hooks, mocked timers and failures stay its own.
 */
export const SHARED_PROCESS_PARTS = ['unit'];

/**
 * Splits `files` into at most `count` groups of about equal size in bytes (a stand-in for their
 * running time), biggest files first, each to the group with the least so far.
 */
export function shareProcesses(files, count) {
  const groups = Array.from({ length: Math.min(count, files.length) }, () => ({ bytes: 0, files: [] }));
  const sized = files.map((file) => ({ file, bytes: statSync(join(ROOT, file)).size })).sort((a, b) => b.bytes - a.bytes || a.file.localeCompare(b.file));
  for (const { file, bytes } of sized) {
    const least = groups.reduce((best, group) => (group.bytes < best.bytes ? group : best));
    least.files.push(file);
    least.bytes += bytes;
  }
  return groups.map((group) => group.files.sort());
}

/**
 * The source of an entry module that runs `files` (root-relative) in one process, each file as a
 * suite named by its path; `pathOf` says where each file's module is (the compiled copy's, when
 * the suite runs compiled).
 */
export function sharedEntrySource(files, pathOf = (file) => join(ROOT, file)) {
  const lines = [
    "import { describe } from 'node:test';",
    ...files.map((file) => `describe(${JSON.stringify(file)}, async () => { await import(${JSON.stringify(pathToFileURL(pathOf(file)).href)}); });`),
  ];
  return `${lines.join('\n')}\n`;
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
