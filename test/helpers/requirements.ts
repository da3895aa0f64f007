/**
 * Tests that need a system program (Chromium, php-cli + php-curl, later redis-server) skip where it
 * is missing on a developer's machine, but must never skip in CI: there a skip would let a run pass
 * without the browser, PHP or Redis tests ever running. `.ci/run` installs these programs, so under
 * `CI` a missing one is a broken CI machine and fails the test with what to install.
 */
import type { TestContext } from 'node:test';

/** True when running in CI (`CI` set to anything but empty, `0` or `false`, as CI services set it). */
export const inCi = (() => {
  const value = process.env.CI;
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
})();

/**
 * When `missing` is a reason (not false): skips the running test with it, or under CI throws
 * so the test fails with it. Returns true when the test was skipped, so callers can `return`.
 */
export function skipOrFailWithout(t: TestContext, missing: string | false): boolean {
  if (missing === false) return false;
  if (inCi) throw new Error(`required under CI: ${missing}`);
  t.skip(missing);
  return true;
}
