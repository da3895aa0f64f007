/**
 * This process's open-file limit (`ulimit -n`), read where Linux states it. Every WebSocket is a
 * descriptor: past the limit the kernel keeps new connections in the listen backlog and nothing
 * in the process ever hears of them, so the server compares its connection cap with this number
 * instead of failing silently.
 */
import { readFileSync } from 'node:fs';

/** The soft "Max open files" of a /proc/<pid>/limits text; undefined when absent or unlimited. */
export function parseOpenFileLimit(limitsText: string): number | undefined {
  const match = /^Max open files\s+(\S+)/m.exec(limitsText);
  if (match === null || match[1] === 'unlimited') return undefined;
  const soft = Number(match[1]);
  return Number.isInteger(soft) && soft > 0 ? soft : undefined;
}

/** This process's soft open-file limit; undefined where /proc is not there (not Linux). */
export function openFileLimit(): number | undefined {
  try {
    return parseOpenFileLimit(readFileSync('/proc/self/limits', 'utf8'));
  } catch {
    return undefined;
  }
}
