/**
 * What every server the harness forks has in common: it listens on 127.0.0.1 on a free port,
 * tells the coordinator the port over IPC, and stops by itself when the coordinator goes away or
 * its lifetime (`--lifetime <s>`, default 300) runs out. A load run can never leave one behind.
 */
import { parseArgs } from 'node:util';

/** Message a forked server sends once it listens. */
export interface ListeningMessage {
  type: 'listening';
  port: number;
  /** What is serving, e.g. `@trufflesuite/uws-js-unofficial 20.30.0`. */
  build: string;
}

const DEFAULT_LIFETIME_S = 300;

/** Runs a server entry: `start` listens on a free loopback port and returns it and a close function. */
export function runServerEntry(start: () => Promise<{ port: number; build: string; close: () => void | Promise<void> }>): void {
  const { values } = parseArgs({ options: { lifetime: { type: 'string' } }, strict: false });
  const lifetimeS = Number(values.lifetime ?? DEFAULT_LIFETIME_S);
  start().then(
    ({ port, build, close }) => {
      const stop = () => {
        Promise.resolve(close()).finally(() => process.exit(0));
        setTimeout(() => process.exit(0), 2000).unref();
      };
      setTimeout(stop, lifetimeS * 1000).unref();
      process.on('disconnect', stop);
      process.on('SIGTERM', stop);
      const message: ListeningMessage = { type: 'listening', port, build };
      if (process.send) process.send(message);
      else process.stdout.write(`listening on ws://127.0.0.1:${port}/ (${build})\n`);
    },
    (err: unknown) => {
      process.stderr.write(`server failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
