/**
 * Every runnable code block of the README and docs runs as written, against the server it
 * describes, so a user who copies one gets what the docs promise. Blocks are found and classified
 * by ./snippets.ts (directives in HTML comments before a block say skip / compile-only / which
 * server). Then:
 *   - TypeScript/JavaScript: all blocks are type-checked together with `tsc --strict` against the
 *     package's own types (imports of `switchboard-rt` resolve to the built dist/ through
 *     package.json "exports", as for a user), then each is executed with tsx and must exit 0;
 *   - shell: run with bash (-e, pipefail); curl must not get an error code the block does not show;
 *   - PHP: run with Debian's php-cli, must exit 0 without warnings;
 *   - JSON: must parse; `config` blocks must load as a config file.
 * A block that starts its own server (`createServer(`) gets a free port; any other block gets a
 * `switchboard` CLI of its own (flags from its `server` directive) — the server that `npm start`
 * runs. Port 9001 in a block is replaced by that server's port, and the environment carries
 * PORT, HOST=127.0.0.1, SWITCHBOARD_URL and (with --api-key) SWITCHBOARD_API_KEY.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { loadConfigFile, resolveOptions } from '../../src/server/index.js';
import { skipOrFailWithout } from '../helpers/requirements.js';
import { freePort, waitFor } from '../helpers/server.js';
import { extractSnippets, type Snippet } from './snippets.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(REPO, 'dist/server/cli.js');
const TSC = join(REPO, 'node_modules/typescript/bin/tsc');
// Inside the repository so that `switchboard-rt` resolves to this package by self-reference.
const WORK = join(REPO, '.tmp/docs-snippets');

const DOCS = [
  'README.md',
  ...readdirSync(join(REPO, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`),
  ...readdirSync(join(REPO, 'examples')).map((name) => `examples/${name}/README.md`),
  'loadtest/README.md',
].filter((file) => {
  try {
    readFileSync(join(REPO, file));
    return true;
  } catch {
    return false;
  }
});

/**
 * Blocks in files or sections that other people maintain, so their exceptions cannot be marked
 * in place: each is skipped with this reason (and shows as skipped).
 */
const MAINTAINED_ELSEWHERE: Array<{ file: string; section?: RegExp; reason: string }> = [
  { file: 'docs/benchmarks.md', reason: 'benchmark and load-test commands run for minutes at full CPU; the file records their results' },
  { file: 'loadtest/README.md', reason: 'load-test commands run for minutes at full CPU' },
  { file: 'docs/api.md', section: /^2\. Client SDK/, reason: 'client SDK section (maintained with src/client): fragments that use the reader\'s own fetchToken() and state' },
];

function skipReason(snippet: Snippet): string | undefined {
  if (snippet.directive.kind === 'skip') return snippet.directive.reason;
  return MAINTAINED_ELSEWHERE.find((rule) => rule.file === snippet.file && (rule.section === undefined || rule.section.test(snippet.section)))?.reason;
}

const snippets = DOCS.flatMap((file) => extractSnippets(file, readFileSync(join(REPO, file), 'utf8')));
const slug = (s: Snippet) => `${s.file.replace(/[^\w]+/g, '_')}_${s.line}`;
const label = (s: Snippet) => `${s.file}:${s.line} ${s.lang || 'output'} (${s.section || 'top'})`;

const phpMissing = await new Promise<string | false>((resolve) =>
  execFile('php', ['-r', 'echo PHP_VERSION_ID >= 80000 && function_exists("curl_init") ? "yes" : "no";'], (error, stdout) =>
    resolve(error ? 'php is not installed (apt-get install php-cli php-curl)' : stdout === 'yes' ? false : 'PHP 8 with curl is needed (apt-get install php-cli php-curl)'),
  ),
);

// ---- type-check every TypeScript block at once (one tsc run is much faster than one per block)
rmSync(WORK, { recursive: true, force: true });
mkdirSync(WORK, { recursive: true });
const tsBlocks = snippets.filter((s) => s.kind === 'ts' && skipReason(s) === undefined);
for (const s of tsBlocks) writeFileSync(join(WORK, `${slug(s)}.ts`), s.code);
writeFileSync(
  join(WORK, 'tsconfig.json'),
  JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      moduleDetection: 'force',
      lib: ['ES2022', 'DOM'],
      types: ['node'],
      typeRoots: [join(REPO, 'node_modules/@types')],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
    },
    files: tsBlocks.map((s) => `${slug(s)}.ts`),
  }),
);
const tscOutput = await new Promise<string>((resolve) => execFile(process.execPath, [TSC, '-p', WORK], { cwd: WORK }, (_error, stdout) => resolve(stdout)));
/** tsc's errors for one block's file. */
const tscErrors = (s: Snippet) =>
  tscOutput
    .split('\n')
    .filter((line) => line.startsWith(`${slug(s)}.ts(`))
    .join('\n');

// ---- servers the blocks run against
const children: ChildProcess[] = [];
after(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(WORK, { recursive: true, force: true });
});

/** Starts `switchboard <flags>` on a free port, as `npm start` would; resolves when it listens. */
async function startCli(flags: string[]): Promise<{ port: number; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [CLI, ...flags], { env: { ...process.env, PORT: '0', HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitFor(() => /uWS build: .*\n/.test(output) || child.exitCode !== null, 10_000, 'switchboard to listen');
  const port = Number(/listening on ws:\/\/[^:]+:(\d+)/.exec(output)?.[1]);
  assert.ok(port > 0, `switchboard ${flags.join(' ')} did not start:\n${output}`);
  return {
    port,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    },
  };
}

interface Run {
  status: number | null;
  output: string;
}

function runProcess(command: string, args: string[], cwd: string, env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env: { ...process.env, ...env }, timeout: 20_000, maxBuffer: 8 << 20 }, (error, stdout, stderr) => {
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, output: `${stdout}${stderr}` });
    });
  });
}

/** Runs one block against its server; returns what it printed. */
async function runAgainstServer(s: Snippet): Promise<Run> {
  const ownServer = s.kind === 'ts' && s.code.includes('createServer(');
  const flags = s.directive.kind === 'server' ? s.directive.flags : [];
  const cli = ownServer ? undefined : await startCli(flags);
  const port = cli?.port ?? (await freePort());
  const apiKey = flags[flags.indexOf('--api-key') + 1];
  const env: Record<string, string> = { PORT: String(port), HOST: '127.0.0.1', SWITCHBOARD_URL: `http://127.0.0.1:${port}` };
  if (flags.includes('--api-key') && apiKey !== undefined) env.SWITCHBOARD_API_KEY = apiKey;
  const code = s.code.replaceAll('9001', String(port));
  const cwd = join(REPO, dirname(s.file));
  try {
    if (s.kind === 'ts') {
      const file = join(WORK, `run_${slug(s)}.ts`);
      writeFileSync(file, code);
      return await runProcess(process.execPath, ['--import', 'tsx', file], REPO, env);
    }
    if (s.kind === 'php') {
      const file = join(WORK, `${slug(s)}.php`);
      writeFileSync(file, code.startsWith('<?php') ? code : `<?php\n${code}\n`);
      return await runProcess('php', [file], cwd, env);
    }
    return await runProcess('bash', ['-e', '-o', 'pipefail', '-c', code], cwd, env);
  } finally {
    await cli?.stop();
  }
}

/** Error codes in `{"error":…,"code":"X"}` answers that the block itself does not mention. */
function unexpectedCodes(s: Snippet, output: string): string[] {
  const codes = [...output.matchAll(/"code"\s*:\s*"([A-Z_]+)"/g)].map((match) => match[1]!);
  return [...new Set(codes)].filter((code) => !s.code.includes(code));
}

describe('README and docs snippets', { timeout: 120_000 }, () => {
  test('the docs have runnable snippets and every directive parses', () => {
    assert.ok(snippets.filter((s) => s.file === 'README.md' && s.kind === 'ts').length >= 3, 'README TypeScript blocks found');
    assert.ok(tsBlocks.length >= 5);
  });

  for (const s of snippets) {
    const skip = skipReason(s);
    if (skip !== undefined) {
      test(label(s), { skip }, () => {});
      continue;
    }
    test(label(s), async (t) => {
      switch (s.kind) {
        case 'json': {
          const parsed = JSON.parse(s.code) as unknown;
          if (s.directive.kind === 'config') {
            const file = join(WORK, `${slug(s)}.json`);
            writeFileSync(file, JSON.stringify(parsed));
            resolveOptions(loadConfigFile(file), {});
          }
          return;
        }
        case 'output': {
          assert.equal(s.directive.kind, 'output-of');
          const command = s.directive.kind === 'output-of' ? s.directive.command.split(/\s+/) : [];
          const [program = '', ...args] = command;
          const run = program === 'switchboard' ? await runProcess(process.execPath, [CLI, ...args], REPO, {}) : await runProcess(program, args, REPO, {});
          assert.equal(run.status, 0, run.output);
          assert.equal(run.output.trimEnd(), s.code.trimEnd(), `the block must show what \`${command.join(' ')}\` prints`);
          return;
        }
        case 'ts': {
          assert.equal(tscErrors(s), '', `tsc --strict rejects ${label(s)}`);
          if (s.directive.kind === 'compile-only') return;
          break;
        }
        case 'php':
          if (skipOrFailWithout(t, phpMissing)) return;
          break;
        case 'sh':
          break;
      }
      const run = await runAgainstServer(s);
      assert.equal(run.status, 0, `${label(s)} failed:\n${run.output}`);
      assert.deepEqual(unexpectedCodes(s, run.output), [], `${label(s)} got error answers it does not show:\n${run.output}`);
      if (s.kind === 'php') assert.doesNotMatch(run.output, /\b(Warning|Notice|Deprecated|Fatal error):/, run.output);
    });
  }
});

