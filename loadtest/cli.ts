/**
 * `npm run loadtest -- <scenario> [options]`: parse options, run the scenario against a fresh
 * server (or --target), print the table, write --json / --html. See loadtest/README.md.
 */
import { writeFileSync } from 'node:fs';
import { parseOptions, USAGE, type LoadOptions } from './options.js';
import { formatComparison, formatResult } from './report/table.js';
import { renderHtml } from './report/html.js';
import type { ScenarioResult } from './result.js';
import { runScenario } from './scenarios/index.js';

async function main(): Promise<number> {
  let options: LoadOptions | 'help';
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`loadtest: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const results: ScenarioResult[] = await runScenario(options);
  for (const result of results) process.stdout.write(`\n${formatResult(result)}`);
  if (options.scenario === 'compare') process.stdout.write(`\n${formatComparison(results)}`);
  const output = options.scenario === 'compare' ? { scenario: 'compare', results } : results[0];
  if (options.json !== undefined) writeFileSync(options.json, `${JSON.stringify(output, null, 2)}\n`);
  if (options.html !== undefined) writeFileSync(options.html, renderHtml(results));
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`loadtest: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
