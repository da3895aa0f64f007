/** The server's structured logger (pino): JSON lines on stderr, quiet ('warn') by default. */
import { pino, type Logger } from 'pino';
import type { LogLevel } from './options.js';

export function createLogger(level: LogLevel): Logger {
  return pino({ name: 'switchboard', level }, pino.destination(2));
}
