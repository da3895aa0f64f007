/**
 * A Switchboard child process (the CLI, a worker) logs every unhandled promise rejection and keeps
 * running (src/server/runtime/unhandled-rejections.ts), so a test would never notice one: the helpers
 * that start child processes scan their stderr for that log line and fail at teardown. In-process
 * servers need nothing here: node:test itself fails the running test on an unhandled rejection.
 */
import { UNHANDLED_REJECTION_LOG } from '../../src/server/runtime/unhandled-rejections.js';

/** Throws when `stderr` of the child process `who` holds an unhandled-rejection log line. */
export function assertNoUnhandledRejections(stderr: string, who: string): void {
  const line = stderr.split('\n').find((text) => text.includes(UNHANDLED_REJECTION_LOG));
  if (line !== undefined) throw new Error(`${who} had an unhandled promise rejection: ${line}`);
}

/**
 * `--import` this file's sibling plant-rejection.mjs (through NODE_OPTIONS) and send SIGUSR2: the
 * process then makes a promise reject with nobody handling it, as a bug would.
 */
export const PLANT_REJECTION = new URL('./plant-rejection.mjs', import.meta.url).pathname;
