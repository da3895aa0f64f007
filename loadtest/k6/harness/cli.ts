/**
 * Runs a k6 script under the harness from the command line, for a quick check without k6:
 *
 *   node --import tsx loadtest/k6/harness/cli.ts loadtest/k6/fanout.js -e WS_URL=ws://127.0.0.1:9001/ [--max-vus 10]
 *
 * Prints the summary as JSON; exits 1 when a threshold failed or VU code threw (like `k6 run`'s
 * exit code 99 for failed thresholds). Not a load generator: see ../README.md.
 */
import { runK6Script } from './run.js';

const args = process.argv.slice(2);
const env: Record<string, string> = {};
let script: string | undefined;
let maxVUs: number | undefined;
for (let i = 0; i < args.length; i++) {
  const arg = args[i]!;
  if (arg === '-e' || arg === '--env') {
    const pair = args[++i] ?? '';
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`-e needs NAME=VALUE, got ${JSON.stringify(pair)}`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  } else if (arg === '--max-vus') {
    maxVUs = Number(args[++i]);
  } else {
    script = arg;
  }
}
if (script === undefined) throw new Error('usage: cli.ts <script.js> [-e NAME=VALUE]... [--max-vus N]');

const result = await runK6Script(script, { env: { ...process.env, ...env } as Record<string, string>, ...(maxVUs === undefined ? {} : { maxVUs }) });
console.log(JSON.stringify(result, null, 2));
process.exitCode = result.errors.length > 0 || result.thresholds.some((t) => !t.ok) ? 1 : 0;
