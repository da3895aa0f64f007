#!/usr/bin/env node
/**
 * The one rule for finding the Chromium that browser tests drive, shared by .ci/run (which runs
 * this file to decide whether to apt-get install chromium) and test/helpers/browser.ts (which
 * imports it), so the two can never disagree about whether a browser is there:
 *
 *   1. `CHROMIUM_PATH`, when set and not empty, is the only candidate: it must be an executable file;
 *   2. otherwise the first executable of /usr/bin/chromium (Debian), /usr/bin/chromium-browser
 *      (Ubuntu), /usr/bin/google-chrome.
 *
 * No PATH lookup: a `chromium` on PATH can be a snap wrapper or a script that Playwright cannot
 * drive, and a fixed list is what both sides can check the same way.
 *
 * Run directly: prints the path and exits 0, or prints why there is none and exits 1.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where Debian, Ubuntu and Google install Chromium or Chrome, in the order they are tried. */
export const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** @param {string} path */
function isExecutableFile(path) {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The Chromium to use, or why there is none.
 * @param {Record<string, string | undefined>} [env]
 * @returns {{ path: string } | { missing: string }}
 */
export function locateChromium(env = process.env) {
  const fromEnv = env.CHROMIUM_PATH;
  if (fromEnv) {
    return isExecutableFile(fromEnv) ? { path: fromEnv } : { missing: `CHROMIUM_PATH=${fromEnv} is not an executable file` };
  }
  const path = CHROMIUM_CANDIDATES.find(isExecutableFile);
  return path !== undefined
    ? { path }
    : { missing: `no Chromium at ${CHROMIUM_CANDIDATES.join(', ')} (apt-get install chromium, or set CHROMIUM_PATH)` };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const found = locateChromium();
  if ('path' in found) {
    console.log(found.path);
  } else {
    console.error(found.missing);
    process.exitCode = 1;
  }
}
