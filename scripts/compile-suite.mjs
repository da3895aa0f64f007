/**
 * Compiles the repository's TypeScript (src, test, loadtest, bench, scripts, examples) to
 * JavaScript once per test run, into a copy of the repository under .tmp/suite/, so that the test
 * processes run plain node instead of loading every module through tsx. tsx's loader costs each
 * process about half a second of CPU, and the suite starts more than a hundred of them on a 2-core
 * box.
 *
 * The copy has the repository's layout, so paths a test computes from its own location (docs,
 * fixtures, `../../src/...`) still resolve: compiled folders hold each `.ts` file's `.js` beside a
 * copy of the `.ts` itself (tests that read sources, or run a script through tsx, find it) and
 * every other file copied; everything else at the top level (docs, dist, node_modules,
 * package.json, ...) is a symbolic link to the real one. Copies keep the original's modification
 * time, so test/helpers/built-cli.ts still sees whether dist/ is older than src/. esbuild does what
 * tsx does to each file (strip types, keep ESM and the import specifiers), without bundling.
 */
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './test-parts.mjs';

/** The copy's root, inside the repository so that package self-reference and node_modules resolve as they do for the originals. */
export const SUITE_ROOT = join(ROOT, '.tmp/suite');

const COMPILED = ['src', 'test', 'loadtest', 'bench', 'scripts', 'examples'];
// Not copied: the copy itself and git.
const NOT_COPIED = new Set(['.git', '.tmp']);
// Generated bundles, linked so that they are built once for the tree and its copy.
const LINKED_INSIDE = ['loadtest/.build'];

/** Rebuilds .tmp/suite/ from the working tree; returns its root. */
export async function compileSuite() {
  rmSync(SUITE_ROOT, { recursive: true, force: true });
  mkdirSync(SUITE_ROOT, { recursive: true });
  const sources = [];
  for (const entry of readdirSync(ROOT, { withFileTypes: true })) {
    if (NOT_COPIED.has(entry.name)) continue;
    if (COMPILED.includes(entry.name) && entry.isDirectory()) copyTree(entry.name, sources);
    else symlinkSync(join(ROOT, entry.name), join(SUITE_ROOT, entry.name));
  }
  for (const path of LINKED_INSIDE) {
    mkdirSync(join(ROOT, path), { recursive: true });
    symlinkSync(join(ROOT, path), join(SUITE_ROOT, path));
  }
  await build({
    entryPoints: sources.map((file) => join(ROOT, file)),
    outdir: SUITE_ROOT,
    outbase: ROOT,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    bundle: false,
    // As tsx does: names of functions and classes survive (tests and error messages read them).
    keepNames: true,
    sourcemap: 'inline',
    logLevel: 'error',
  });
  for (const file of sources) {
    const { atime, mtime } = statSync(join(ROOT, file));
    utimesSync(join(SUITE_ROOT, file.replace(/\.ts$/, '.js')), atime, mtime);
  }
  return SUITE_ROOT;
}

/** The path of `file` (root-relative, as the part lists write it) in the compiled copy. */
export function compiledPath(file) {
  return join(SUITE_ROOT, file.replace(/\.ts$/, '.js'));
}

function copyTree(dir, sources) {
  mkdirSync(join(SUITE_ROOT, dir), { recursive: true });
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (LINKED_INSIDE.includes(path)) continue;
    if (entry.isDirectory()) {
      copyTree(path, sources);
      continue;
    }
    const from = join(ROOT, path);
    const to = join(SUITE_ROOT, path);
    copyFileSync(from, to);
    const { atime, mtime } = statSync(from);
    utimesSync(to, atime, mtime);
    if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) sources.push(path);
  }
}
