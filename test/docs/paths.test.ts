/**
 * Every repository path the README and docs/*.md name (`src/server/...`, `test/...`,
 * `examples/...`, `loadtest/...`, `bench/...`, `scripts/...`, `docs/...`) exists, so a file moved in
 * a refactor cannot leave the docs pointing at nothing. The failure lists every missing path with
 * the file and line that names it.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const DOCS = ['README.md', ...readdirSync(join(REPO, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];


// A path starts at a top-level folder of the repository, not inside a URL or a longer path.
const PATH = /(?<![\w.@/:-])((?:src|test|examples|loadtest|bench|scripts|docs)\/[\w.*/-]*[\w*/])/g;

/** Whether a named path exists; a glob (`test/conformance/*.cases.ts`) needs its folder and one match. */
function exists(path: string): boolean {
  const star = path.indexOf('*');
  if (star === -1) return existsSync(join(REPO, path.replace(/\/$/, '')));
  const folder = path.slice(0, path.lastIndexOf('/', star) + 1);
  if (!existsSync(join(REPO, folder))) return false;
  const pattern = new RegExp(`^${path.slice(folder.length).replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '[^/]*')}$`);
  return readdirSync(join(REPO, folder)).some((name) => pattern.test(name) || pattern.test(`${name}/`));
}

/** Every path named in `markdown`, with its 1-based line. */
export function namedPaths(markdown: string): Array<{ path: string; line: number }> {
  const found: Array<{ path: string; line: number }> = [];
  markdown.split('\n').forEach((text, i) => {
    for (const match of text.matchAll(PATH)) found.push({ path: match[1]!.replace(/\.$/, ''), line: i + 1 });
  });
  return found;
}

test('every repository path named in the README and docs/*.md exists', () => {
  const missing: string[] = [];
  for (const file of DOCS) {
    for (const { path, line } of namedPaths(readFileSync(join(REPO, file), 'utf8'))) {
      if (!exists(path)) missing.push(`${file}:${line}: ${path}`);
    }
  }
  assert.deepEqual(missing, [], `paths named in the docs that do not exist:\n${missing.join('\n')}`);
});
