/**
 * The built `switchboard` CLI (dist/server/cli.js), for tests that start it as a child process.
 * Children run the build rather than the sources through tsx: that is what an installed package
 * runs, and tsx's loader costs each child about half a second of CPU before it serves, which a
 * suite that starts a few hundred processes pays in minutes on a 2-core box. `npm test` and
 * `npm run test:integration` build first; a test run by hand after editing src/ without a build
 * fails at once here instead of testing the old code.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'dist/server/cli.js');
let checked = false;

/** The path of dist/server/cli.js; throws when dist/ is missing or older than src/. */
export function builtCli(): string {
  if (!checked) {
    const built = newest(join(ROOT, 'dist'));
    const source = newest(join(ROOT, 'src'));
    if (built === 0) throw new Error('dist/ is missing: run `npm run build` first (npm test and npm run test:integration do)');
    if (source > built) throw new Error('src/ changed after the last build: run `npm run build` first (npm test and npm run test:integration do)');
    checked = true;
  }
  return CLI;
}

function newest(dir: string): number {
  let latest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}
