/**
 * `npm run loadtest -- <scenario> [options]`: parse options, run the scenario against a fresh
 * server (or --target), print the tables, write --json / --html. See loadtest/README.md.
 */
import { writeFileSync } from 'node:fs';
import { COMPARE_LOAD, parseOptions, USAGE, type LoadOptions } from './options.js';
import { formatReport } from './report/text-report.js';
import { renderHtml } from './report/html.js';
import { runScenario } from './scenarios/index.js';

const isCompareDefault = (options: LoadOptions) =>
  options.scenario === 'compare' && !options.findMax && (Object.keys(COMPARE_LOAD) as Array<keyof typeof COMPARE_LOAD>).every((key) => options[key] === COMPARE_LOAD[key]);

const COMPARE_DEFAULT_NOTE = "compare's default: about a third of where bare uWS collapses on a 2-core box, so the uWS-based servers should keep up and CPU per delivery compares them; --find-max measures the headroom";

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
  // Forked servers inherit the environment: this is how the switchboard one learns its window.
  if (options.coalesceMs > 0) process.env.SWITCHBOARD_LOADTEST_COALESCE_MS = String(options.coalesceMs);
  const report = await runScenario(options);
  process.stdout.write(formatReport(report, { p99BoundMs: options.p99BoundMs, loadNote: isCompareDefault(options) ? COMPARE_DEFAULT_NOTE : undefined }));
  // A single run keeps its old shape (the result itself); compare and find-max write the whole report.
  const single = report.repeat === undefined && report.findMax === undefined && report.results.length === 1;
  const output = single ? report.results[0] : report;
  if (options.json !== undefined) writeFileSync(options.json, `${JSON.stringify(output, null, 2)}\n`);
  if (options.html !== undefined) writeFileSync(options.html, renderHtml(report, options.p99BoundMs));
  // A run in which the server refused connections did not measure what was asked (which of them got
  // in is a race): report it, and fail, so a script never takes it for a result.
  const refused = report.results.some((result) => (result.connect?.errors ?? []).some((error) => /upgrade refused/.test(error)));
  if (refused) {
    process.stderr.write('loadtest: the server refused connections (see the notes above): this run is not a measurement\n');
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`loadtest: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
