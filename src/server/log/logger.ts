/**
 * The server's structured logger (pino), quiet ('warn') by default: JSON lines on stderr for log
 * shippers, and one readable line per entry when stderr is a terminal (someone ran `npm start`).
 */
import { pino, type DestinationStream, type Logger } from 'pino';

/** Log levels accepted by `logLevel` (pino's). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** One of LOG_LEVELS. */
export type LogLevel = (typeof LOG_LEVELS)[number];

const LEVEL_NAMES: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** One pino JSON line as `12:34:56 WARN message {other fields}` (the line unchanged if it is not JSON). */
export function readableLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const { level, time, msg, name: _name, pid: _pid, hostname: _hostname, ...rest } = entry;
  const clock = typeof time === 'number' ? new Date(time).toISOString().slice(11, 19) : '';
  const label = (typeof level === 'number' ? LEVEL_NAMES[level] : undefined) ?? String(level);
  const fields = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
  return `${clock} ${label} ${String(msg ?? '')}${fields}\n`;
}

/** A pino logger at `level`: JSON lines on stderr, or readable lines when stderr is a terminal. */
export function createLogger(level: LogLevel, stderr: NodeJS.WriteStream = process.stderr): Logger {
  if (stderr.isTTY !== true) return pino({ name: 'switchboard', level }, pino.destination(2));
  const readable: DestinationStream = { write: (line: string) => void stderr.write(readableLine(line)) };
  return pino({ name: 'switchboard', level }, readable);
}
