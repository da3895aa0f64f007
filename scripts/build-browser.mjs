/**
 * Builds the client SDK for browsers that load it without a bundler: one minified ES module and
 * one minified classic script (IIFE) that defines the global `Switchboard`, both in dist/browser/
 * with source maps. Run by `npm run build` after tsc.
 *
 * `platform: 'browser'` makes esbuild refuse any Node built-in, so a successful build also proves
 * that the SDK needs none. The SDK's Node fallback (`import('ws')` through a variable) stays a
 * dynamic import that a browser never reaches, because browsers have a global WebSocket.
 */
import { chmodSync, mkdirSync } from 'node:fs';
import { build } from 'esbuild';

const OUT_DIR = 'dist/browser';

/** Output file names; package.json "exports", the README and test/package/ name them too. */
export const BROWSER_FILES = {
  esm: `${OUT_DIR}/switchboard-client.min.js`,
  iife: `${OUT_DIR}/switchboard-client.iife.min.js`,
};

const common = {
  entryPoints: ['src/client/index.ts'],
  bundle: true,
  minify: true,
  sourcemap: true,
  platform: 'browser',
  // Every browser with a native WebSocket and BigInt that Playwright's Chromium and current
  // Safari/Firefox ship; older targets would make esbuild lower syntax and grow the file.
  target: ['es2022'],
  legalComments: 'none',
  logLevel: 'warning',
};

mkdirSync(OUT_DIR, { recursive: true });
await build({ ...common, format: 'esm', outfile: BROWSER_FILES.esm });
await build({ ...common, format: 'iife', globalName: 'Switchboard', outfile: BROWSER_FILES.iife });

// npm marks "bin" targets executable when it installs a package, but `./dist/server/cli.js` run
// straight from a checkout needs the bit too, and tsc does not set it.
chmodSync('dist/server/cli.js', 0o755);
