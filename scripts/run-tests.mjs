#!/usr/bin/env node
/**
 * Runs the test suite, or some of its parts, with node:test on a compiled copy of the repository
 * (scripts/compile-suite.mjs):
 *
 *   node scripts/run-tests.mjs                     # every part (what `npm test` runs after lint, build, typecheck)
 *   node scripts/run-tests.mjs unit                # one part: unit, integration or e2e (several may be named)
 *   node scripts/run-tests.mjs --list e2e          # print the files, run nothing
 *   node scripts/run-tests.mjs integration -- --test-name-pattern=Sentinel   # after --: more node flags
 *
 * Files are found recursively (scripts/test-parts.mjs). They run in two groups: first every file
 * not listed as HEAVY, TEST_CONCURRENCY files at a time (default 4); then the HEAVY files,
 * HEAVY_CONCURRENCY (2) at a time with nothing else beside them. Unit files share TEST_CONCURRENCY
 * processes (SHARED_PROCESS_PARTS) instead of taking one each. Most files spend their time waiting
 * on sockets, Redis and timers, so on a 2-core machine four at once keep both cores busy; node's
 * own default (availableParallelism() - 1) would be 1 there, one file after another. The exit code
 * is non-zero when any group failed; both groups always run, so one failure does not hide another.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compiledPath, compileSuite } from './compile-suite.mjs';
import { HEAVY, HEAVY_CONCURRENCY, PARTS, SHARED_PROCESS_PARTS, partFiles, shareProcesses, sharedEntrySource } from './test-parts.mjs';

// Twice the two cores of the CI box: most files wait on sockets, Redis and timers, so two at a
// time leave the cores idle.
const DEFAULT_CONCURRENCY = 4;

const args = process.argv.slice(2);
const dashes = args.indexOf('--');
const ours = dashes < 0 ? args : args.slice(0, dashes);
const nodeFlags = dashes < 0 ? [] : args.slice(dashes + 1);
const list = ours.includes('--list');
const parts = ours.filter((arg) => arg !== '--list');
for (const part of parts) if (!(part in PARTS)) fail(`unknown part "${part}": use ${Object.keys(PARTS).join(', ')}`);

const concurrency = Number(process.env.TEST_CONCURRENCY ?? DEFAULT_CONCURRENCY);
if (!Number.isInteger(concurrency) || concurrency < 1) fail(`TEST_CONCURRENCY must be a positive integer, got ${process.env.TEST_CONCURRENCY}`);

// Longest first: the e2e and integration files take seconds to tens of seconds each, unit files
// well under one, so starting the long ones first leaves the short ones to fill the gaps at the
// end instead of a long file starting last and running alone.
const LONGEST_FIRST = ['e2e', 'integration', 'unit'];
const chosen = (parts.length > 0 ? parts : Object.keys(PARTS)).sort((a, b) => LONGEST_FIRST.indexOf(a) - LONGEST_FIRST.indexOf(b));
const files = chosen.flatMap(partFiles);
const heavy = new Set(HEAVY);
const shared = new Set(chosen.filter((part) => SHARED_PROCESS_PARTS.includes(part)).flatMap(partFiles));
const groups = [
  { name: 'concurrent', concurrency, files: files.filter((file) => !heavy.has(file) && !shared.has(file)) },
  { name: 'heavy', concurrency: HEAVY_CONCURRENCY, files: files.filter((file) => heavy.has(file)) },
];

if (list) {
  for (const file of shared) console.log(`${file}\tshared`);
  for (const group of groups) for (const file of group.files) console.log(`${file}\t${group.name}`);
  process.exit(0);
}

// Test processes run the compiled copy (compile-suite.mjs), not the sources through tsx.
const suiteRoot = await compileSuite();
for (const group of groups) group.files = group.files.map(compiledPath);

// The shared-process files run in the concurrent group, as one entry module per process, after
// the long files so they fill the gaps.
mkdirSync(join(suiteRoot, '.shared'));
shareProcesses([...shared], concurrency).forEach((group, index) => {
  const entry = join(suiteRoot, '.shared', `shared-${index + 1}.test.mjs`);
  writeFileSync(entry, sharedEntrySource(group, compiledPath));
  groups[0].files.push(entry);
});

let failed = false;
for (const group of groups) {
  if (group.files.length === 0) continue;
  const started = Date.now();
  const run = spawnSync(
    process.execPath,
    ['--test', `--test-concurrency=${group.concurrency}`, '--test-reporter=spec', ...nodeFlags, ...group.files],
    { cwd: suiteRoot, stdio: 'inherit' },
  );
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const outcome = run.error !== undefined ? String(run.error) : run.signal !== null ? `killed by ${run.signal}` : `exit ${run.status}`;
  console.error(`# run-tests: ${group.files.length} ${group.name} files (${group.concurrency} at a time): ${outcome}, ${seconds} s`);
  if (run.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);

function fail(message) {
  console.error(`run-tests: ${message}`);
  process.exit(2);
}
