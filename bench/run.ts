/**
 * `npm run bench`: runs the micro-benchmark suites and prints a table per suite.
 *
 *   npm run bench                            every suite
 *   npm run bench -- codec jwt               only these suites
 *   npm run bench -- --json bench.json       also write machine-readable results
 *   npm run bench -- --time 1000 --warmup 300   ms per case (defaults 500 / 150)
 *   npm run bench -- --filter "100 B"        only cases whose name contains the text
 *
 * Numbers depend on the machine and its neighbours: docs/benchmarks.md records them with the
 * machine and Node version, and how to rerun them.
 */
import { writeFileSync } from 'node:fs';
import { codecSuite } from './codec.bench.js';
import { filtersSuite } from './filters.bench.js';
import { jwtSuite } from './jwt.bench.js';
import { publishPathSuite } from './publish-path.bench.js';
import { machineFacts, printTable, runSuite, type BenchRow, type BenchSuite } from './runner.js';
import { topicsSuite } from './topics.bench.js';

const SUITES: BenchSuite[] = [codecSuite, publishPathSuite, topicsSuite, jwtSuite, filtersSuite];

const USAGE = `Usage: npm run bench -- [suite ...] [options]

Micro-benchmarks; prints a table per suite. Suites: ${SUITES.map((s) => s.name).join(', ')} (default: all).

Options:
  --json <file>     also write results and machine facts as JSON
  --time <ms>       time per case (default 500)
  --warmup <ms>     warm-up per case (default 150)
  --filter <text>   only cases whose name contains the text
  -h, --help        show this help

Results and how to read them: docs/benchmarks.md.`;

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}
const options = { timeMs: 500, warmupMs: 150 };
const names: string[] = [];
let jsonFile: string | undefined;
let filter: string | undefined;
for (let i = 0; i < args.length; i++) {
  const arg = args[i]!;
  const value = () => {
    const next = args[++i];
    if (next === undefined) throw new Error(`${arg} needs a value`);
    return next;
  };
  if (arg === '--json') jsonFile = value();
  else if (arg === '--time') options.timeMs = Number(value());
  else if (arg === '--warmup') options.warmupMs = Number(value());
  else if (arg === '--filter') filter = value();
  else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}`);
  else names.push(arg);
}
for (const name of names) {
  if (!SUITES.some((s) => s.name === name)) throw new Error(`no bench suite "${name}" (have: ${SUITES.map((s) => s.name).join(', ')})`);
}

const selected = names.length === 0 ? SUITES : SUITES.filter((s) => names.includes(s.name));
const rows: BenchRow[] = [];
for (const suite of selected) {
  const filtered: BenchSuite = filter === undefined ? suite : { ...suite, cases: async () => (await suite.cases()).filter((c) => c.name.includes(filter)) };
  if ((await filtered.cases()).length === 0) continue;
  const suiteRows = await runSuite(filtered, options);
  printTable(suite, suiteRows);
  rows.push(...suiteRows);
}

if (jsonFile !== undefined) {
  const { isNativeAccelerationEnabled } = await import('msgpackr');
  const machine = { ...machineFacts(), msgpackrNative: isNativeAccelerationEnabled };
  writeFileSync(jsonFile, `${JSON.stringify({ date: new Date().toISOString(), machine, options, results: rows }, null, 2)}\n`);
  console.log(`wrote ${jsonFile}`);
}
