/**
 * Size budget of the browser builds of the client (dist/browser/, made by `npm run build`). Every
 * page that loads the SDK pays for these bytes, so growth must be a decision: raise the budget in
 * the same commit that explains why.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { test } from 'node:test';

// Measured when the builds were introduced: ESM 56,238 B minified / 19,849 B gzip, IIFE 56,744 B /
// 20,083 B (msgpackr is about two thirds of it). The client's options validation and its handling
// of authentication refusals (typed error, retry rules) then added about 6.5 KB minified / 1.6 KB
// gzip: ESM 62,796 / 21,495, IIFE 63,303 / 21,710. The budget is that plus about 10 %.
// Publication tags and subscription filters (the codec validates both shapes and their limits for
// every frame, so the client carries the same checks; the SDK's filtered streams) took ESM from
// 67,955 / 23,125 to 70,462 / 23,992 and IIFE from 68,462 / 23,372 to 70,969 / 24,230; the
// budget moved by that plus the same margin on top of it.
const GZIP_BUDGET_BYTES = 25_000;
const MINIFIED_BUDGET_BYTES = 72_000;

const FILES = ['switchboard-client.min.js', 'switchboard-client.iife.min.js'];

for (const name of FILES) {
  test(`dist/browser/${name} is minified and within ${GZIP_BUDGET_BYTES} B gzip`, () => {
    const path = fileURLToPath(new URL(`../../dist/browser/${name}`, import.meta.url));
    assert.ok(existsSync(path), `${path} is missing: run npm run build`);
    const code = readFileSync(path);
    const gzip = gzipSync(code).length;
    assert.ok(code.length <= MINIFIED_BUDGET_BYTES, `${name}: ${code.length} B minified, budget ${MINIFIED_BUDGET_BYTES} B`);
    assert.ok(gzip <= GZIP_BUDGET_BYTES, `${name}: ${gzip} B gzip, budget ${GZIP_BUDGET_BYTES} B`);
    // A minified build has few, very long lines; an unminified one has thousands.
    assert.ok(code.toString('utf8').split('\n').length < 10, `${name} looks unminified`);
  });
}
