/**
 * Running Debian's PHP CLI from tests: whether it is usable (for skipOrFailWithout), and a runner
 * that does not block, because the server under test lives in the test process and must keep
 * serving while the PHP script talks to it.
 */
import { execFile, spawnSync } from 'node:child_process';

const probe = spawnSync('php', ['-r', 'echo (PHP_VERSION_ID >= 80000 ? "8" : "old") . (function_exists("curl_init") ? "+curl" : "");'], { encoding: 'utf8' });

/** Why PHP 8 (the CLI) cannot run here, or false. */
export const phpMissing: string | false = probe.error
  ? 'php is not installed (apt-get install php-cli)'
  : !probe.stdout.startsWith('8')
    ? 'PHP 8.0 or later is needed (apt-get install php-cli)'
    : false;

/** Why PHP 8 with the curl extension cannot run here, or false. */
export const phpCurlMissing: string | false = phpMissing !== false ? `${phpMissing.replace(/\)$/, ' php-curl)')}` : probe.stdout.endsWith('+curl') ? false : 'php has no curl extension (apt-get install php-curl)';

/** The outcome of a PHP run; `status` is null when it was killed (timeout). */
export interface PhpRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `php <args>` with extra environment variables, without blocking the event loop. */
export function runPhp(args: string[], env: Record<string, string> = {}): Promise<PhpRun> {
  return new Promise((resolve) => {
    execFile('php', args, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}
