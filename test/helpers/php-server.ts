/**
 * Runs a PHP script under PHP's built-in web server (`php -S 127.0.0.1:<port> <script>`), the
 * way a PHP developer tries a backend locally, so integration tests call real PHP over real HTTP.
 * Killed by an `after()` hook registered here, or earlier by `stop()` (a backend going down).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { after } from 'node:test';
import { freePort, sleep } from './server.js';

/** Why PHP cannot run here, or false (one check for every PHP test: helpers/php.ts). */
export { phpMissing } from './php.js';

export interface PhpServer {
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  /** Kills the PHP process and resolves once it has exited (its port then refuses connections). */
  stop(): Promise<void>;
}

/** Starts `php -S` for `script` on a free loopback port and waits until it answers HTTP. */
export async function startPhpServer(script: string, env: Record<string, string> = {}): Promise<PhpServer> {
  const port = await freePort();
  const child: ChildProcess = spawn('php', ['-S', `127.0.0.1:${port}`, script], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  after(stop);
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await fetch(base, { method: 'HEAD' });
      return { base, stop };
    } catch {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`php -S did not start: ${output}`);
      await sleep(20);
    }
  }
}
