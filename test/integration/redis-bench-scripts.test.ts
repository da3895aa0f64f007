/**
 * The Redis benches docs/benchmarks.md ("Redis engine at scale") tells readers to rerun keep
 * working: every command of that section runs exactly as documented, with tiny sizes appended
 * (the benches parse their flags with the last occurrence winning), against its own private
 * redis-server, and must exit 0 with a parsable JSON result line. Every bench/redis entry point
 * must be documented there. No timing is asserted: only what the benches count.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { redisMissing } from '../helpers/redis.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** Tiny sizes per bench, appended after the documented flags. */
const TINY: Record<string, string[]> = {
  'presence-refresh': ['--entries', '300', '--topics', '3', '--runs', '1'],
  reconnect: ['--topics', '300', '--runs', '1', '--rate', '50', '--verify', '30'],
  'pause-flood': ['--rate', '200', '--subscribers', '4', '--topics', '2', '--before-s', '1', '--pause-s', '2', '--after-s', '1', '--runs', '1'],
  'publish-cost': ['--publishes', '300', '--topics', '5', '--runs', '1'],
};
// Files of bench/redis that are not entry points.
const HELPERS = new Set(['redis-process', 'sitting', 'ops-sampler', 'open-loop-publisher', 'flood-server']);

function section(markdown: string, title: string): string {
  const start = markdown.indexOf(`\n## ${title}\n`);
  assert.ok(start >= 0, `docs/benchmarks.md has a "## ${title}" section`);
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, end < 0 ? undefined : end);
}

const docs = section(readFileSync(join(REPO, 'docs/benchmarks.md'), 'utf8'), 'Redis engine at scale');
const commands = [...docs.matchAll(/^node --import tsx (bench\/redis\/([\w-]+)\.ts)([^\n#]*)/gm)].map((match) => ({ line: match[0].trim(), file: match[1]!, name: match[2]!, args: match[3]!.trim().split(/\s+/).filter(Boolean) }));

function run(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', file, ...args], { cwd: REPO, timeout: 240_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

function result(stdout: string): Record<string, unknown> {
  const line = stdout.split('\n').find((l) => l.startsWith('JSON '));
  assert.ok(line !== undefined, `a JSON result line in:\n${stdout}`);
  return JSON.parse(line.slice(5)) as Record<string, unknown>;
}

// The benches run side by side: each has its own redis-server and port, asserts only counts, and
// most of each one's time is fixed waiting (phases of seconds, a child's shutdown).
describe('Redis benches as docs/benchmarks.md documents them', { skip: redisMissing, concurrency: true }, async () => {
  if (redisMissing !== undefined) return;

  test('every bench/redis entry point is documented with a command, and every documented one has tiny sizes here', () => {
    const entries = readdirSync(join(REPO, 'bench/redis'))
      .filter((name) => name.endsWith('.ts'))
      .map((name) => name.slice(0, -3))
      .filter((name) => !HELPERS.has(name));
    for (const entry of entries) assert.ok(commands.some((c) => c.name === entry), `bench/redis/${entry}.ts documented in "Redis engine at scale"`);
    for (const c of commands) assert.ok(TINY[c.name] !== undefined, `tiny sizes for ${c.file}`);
  });

  for (const c of commands) {
    test(`documented bench runs: ${c.line}`, { timeout: 300_000 }, async () => {
      const { code, stdout, stderr } = await run(c.file, [...c.args, ...(TINY[c.name] ?? [])]);
      assert.equal(code, 0, `exit 0; stderr:\n${stderr}\nstdout:\n${stdout}`);
      const json = result(stdout);
      assert.match(stdout, /command: node --import tsx bench\/redis\//, 'the sitting records the command');
      switch (c.name) {
        case 'presence-refresh':
          assert.equal((json.batched as number[]).length, 1);
          if (c.args.includes('--sequential')) assert.equal((json.sequential as number[]).length, 1, 'the sequential mode ran');
          break;
        case 'reconnect': {
          const runs = json.runs as Array<{ fault: string; verified: boolean }>;
          assert.ok(runs.length >= 1);
          for (const r of runs) assert.equal(r.verified, true, `every verified feed delivered after ${r.fault}`);
          break;
        }
        case 'pause-flood': {
          const runs = json.runs as Array<{ phases: Array<{ name: string; samples: unknown[] }> }>;
          assert.deepEqual(runs[0]!.phases.map((p) => p.name), ['before', 'Redis stopped', 'after SIGCONT']);
          for (const p of runs[0]!.phases) assert.ok(p.samples.length > 0, `samples while ${p.name}`);
          break;
        }
        case 'publish-cost': {
          // docs/operations.md: one publication is one EVALSHA, whatever the case.
          const cases = json.cases as Record<string, Array<{ calls: Record<string, number> }>>;
          assert.equal(Object.keys(cases).length, 4);
          for (const [name, runs] of Object.entries(cases)) assert.equal(runs[0]!.calls.evalsha, 300, `${name}: one EVALSHA per publication`);
          assert.equal(json.subscribedChannels, 5 + 2, 'the followed topics plus the control and reply channels');
          break;
        }
      }
    });
  }
});
