/**
 * What a user gets from `npm install switchboard-rt`: packs this repository's build with `npm pack`
 * (`npm test` builds first; run `npm run build` before running this file alone), installs the tarball into a fresh project outside the repository (the
 * npm registry supplies the dependencies, as for a user), and there
 *   - compiles a `strict` TypeScript file that imports the server, client and protocol entry points
 *     through the package name, then runs it: it starts a server from the installed package, connects
 *     the installed client, publishes and receives;
 *   - runs the `switchboard` bin through `npx`;
 *   - starts the systemd unit of docs/operations.md as systemd would (its ExecStart as written, in
 *     the installed project), and reloads and stops it with the unit's own signals.
 * Importing the sources, or even the repository's own dist/, would miss a wrong "files", "exports",
 * "bin" or a dependency that only the repository's node_modules happens to provide.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { redisMissing, startRedis } from '../helpers/redis.js';
import { skipOrFailWithout } from '../helpers/requirements.js';
import { freePort, waitFor } from '../helpers/server.js';

const run = promisify(execFile);
// The repository itself, also when this file runs from the suite's compiled copy (scripts/compile-suite.mjs),
// whose package.json is a link to the real one: npm packs what is in the real tree.
const REPO = dirname(realpathSync(fileURLToPath(new URL('../../package.json', import.meta.url))));
const TSC = join(REPO, 'node_modules/typescript/bin/tsc');
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { name: string; version: string };

/** The consumer's program: every import goes through the installed package's "exports". */
const CONSUMER_TS = `
import { createRequire } from 'node:module';
import { createServer, type ServerOptions } from '${pkg.name}';
import { connect, RemoteError, type SwitchboardClient } from '${pkg.name}/client';
import { ErrorCode, Kind } from '${pkg.name}/protocol';

const options: Partial<ServerOptions> = {
  port: 0,
  host: '127.0.0.1',
  logLevel: 'silent',
  rpc: { double: (_client, data) => 2 * (data as number) },
};
const server = createServer(options);
const { url, port } = await server.listen();
const client: SwitchboardClient = connect(url);
const received: unknown[] = [];
let resolveTwo: () => void = () => {};
const two = new Promise<void>((resolve) => (resolveTwo = resolve));
await client.subscribe('prices:btc', (data) => {
  received.push(data);
  if (received.length === 2) resolveTwo();
});
await server.publish('prices:btc', { px: 1 });
const answer = await fetch(\`http://127.0.0.1:\${port}/api/publish\`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ topic: 'prices:btc', data: { px: 2 } }) });
await two;
const doubled = await client.rpc<number>('double', 21);
const missing = await client.rpc('nope').catch((err: unknown) => err);
client.close();
await server.close();
// Which uWS build served, and where Node found it: it must be the installed package's own dependency.
const uwsPath = createRequire(import.meta.resolve('${pkg.name}')).resolve(\`\${server.uws.name}/package.json\`);
console.log(JSON.stringify({
  received,
  httpStatus: answer.status,
  doubled,
  notFound: missing instanceof RemoteError && missing.code === ErrorCode.NotFound,
  messageKind: Kind.Message,
  uws: server.uws.name,
  uwsPath,
  browser: [import.meta.resolve('${pkg.name}/browser'), import.meta.resolve('${pkg.name}/browser/iife')],
}));
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2022', 'DOM'],
    strict: true,
    // The consumer has no @types/node of its own; borrow the repository's rather than install it.
    typeRoots: [join(REPO, 'node_modules/@types')],
    types: ['node'],
    outDir: 'out',
  },
  files: ['main.ts'],
};

describe('the packed package, installed into a separate project', { timeout: 240_000 }, () => {
  let work: string;
  let project: string;
  let tarball: string;
  let packedFiles: string[];

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'switchboard-pack-'));
    // --ignore-scripts: `prepare` would rebuild dist/ while other test files may be reading it.
    const packed = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: REPO, maxBuffer: 16 << 20 });
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = join(work, info!.filename);
    packedFiles = info!.files.map((file) => file.path);

    project = join(work, 'consumer');
    await run('mkdir', [project]);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: project, maxBuffer: 16 << 20 });
  });

  after(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  test('the tarball holds the builds, the bin, the browser files and the PHP examples, and no sources or tests', () => {
    for (const file of ['package.json', 'README.md', 'CHANGELOG.md', 'dist/server/cli.js', 'dist/server/index.d.ts', 'dist/client/index.js', 'dist/protocol/index.js', 'dist/browser/switchboard-client.min.js', 'dist/browser/switchboard-client.iife.min.js', 'examples/php/publish.php', 'examples/php/mint-token.php']) {
      assert.ok(packedFiles.includes(file), `${file} is in the tarball`);
    }
    assert.deepEqual(packedFiles.filter((file) => /^(src|test|bench|loadtest|scripts)\//.test(file)), []);
    const cli = readFileSync(join(project, 'node_modules', pkg.name, 'dist/server/cli.js'), 'utf8');
    assert.match(cli, /^#!\/usr\/bin\/env node\n/, 'the bin starts with a shebang');
  });

  test('installing runs no script of ours (npm 11 lists every package with install scripts as a warning)', () => {
    const installed = JSON.parse(readFileSync(join(project, 'node_modules', pkg.name, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
    const lifecycle = ['preinstall', 'install', 'postinstall', 'prepare'].filter((name) => installed.scripts?.[name] !== undefined);
    assert.deepEqual(lifecycle, [], 'the build runs before packing (prepack), never on the user\'s machine');
  });

  test('a strict TypeScript consumer compiles against the installed types, then serves, publishes and receives', async () => {
    writeFileSync(join(project, 'main.ts'), CONSUMER_TS);
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(TSCONFIG));
    await run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: project }).catch((err: { stdout?: string }) => {
      assert.fail(`tsc --strict failed in the consumer:\n${err.stdout}`);
    });
    const { stdout } = await run(process.execPath, ['out/main.js'], { cwd: project, timeout: 30_000 });
    const result = JSON.parse(stdout) as { received: unknown[]; httpStatus: number; doubled: number; notFound: boolean; messageKind: number; uws: string; uwsPath: string; browser: string[] };
    assert.deepEqual(result.received, [{ px: 1 }, { px: 2 }]);
    assert.equal(result.httpStatus, 200);
    assert.equal(result.doubled, 42);
    assert.equal(result.notFound, true, 'an unknown rpc rejects with RemoteError NOT_FOUND');
    assert.equal(result.messageKind, 20);
    assert.ok(result.uwsPath.startsWith(join(project, 'node_modules')), `uWS (${result.uws}) comes from the consumer's node_modules: ${result.uwsPath}`);
    for (const url of result.browser) assert.ok(existsSync(fileURLToPath(url)), `${url} exists`);
  });

  test('the systemd unit of docs/operations.md: ExecReload reaches the supervisor (rolling restart), the stop signal drains to exit 0', async (t) => {
    if (skipOrFailWithout(t, redisMissing ?? false)) return;
    const unit = documentedUnit();
    const redis = await startRedis();
    const port = await freePort();
    // What differs on a test box: where the package is installed, the Redis URL and the port.
    const local = (text: string) => text.replaceAll('/srv/switchboard', project).replace('redis://127.0.0.1:6379', redis.url).replace('--port 9001', `--port ${port}`);
    const [command, ...args] = local(unit.ExecStart![0]!).split(/\s+/);
    const env = Object.fromEntries((unit.Environment ?? []).map((line) => local(line).split('=', 2) as [string, string]));
    // systemd execs ExecStart without a shell, in its own process group (the control group):
    // the process it starts is $MAINPID.
    const main = spawn(command!, args, { cwd: local(unit.WorkingDirectory![0]!), env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    main.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    main.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => main.once('exit', (code) => resolve(code)));
    after(() => {
      try {
        process.kill(-main.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    });
    await waitFor(() => /Switchboard listening on .* with \d+ workers/.test(output), 60_000, `the unit's supervisor listening (output so far: ${output})`);

    const reload = local(unit.ExecReload![0]!).replace('$MAINPID', String(main.pid)).split(/\s+/);
    await run(reload[0]!, reload.slice(1));
    await waitFor(() => /rolling restart done/.test(output), 60_000, `a rolling restart after ExecReload (output so far: ${output})`);
    assert.equal(main.exitCode, null, 'the main process survived its reload');

    // KillMode=control-group: the stop signal reaches every process of the group.
    assert.equal(unit.KillMode?.[0], 'control-group');
    process.kill(-main.pid!, unit.KillSignal![0]! as NodeJS.Signals);
    assert.equal(await exited, 0, output);
  });

  test('`npx switchboard --help` runs the installed bin', async () => {
    // --no: never fall back to downloading some other package that is called "switchboard";
    // --: without it npm 11's npx takes --help for itself.
    const { stdout } = await run('npx', ['--no', '--', 'switchboard', '--help'], { cwd: project });
    assert.match(stdout, /^Usage: switchboard \[options\]/m);
    assert.match(stdout, /--jwt-secret <secret>/);
  });
});

/** The [Service] settings of the systemd unit in docs/operations.md, each with its values in order. */
function documentedUnit(): Record<string, string[]> {
  const docs = readFileSync(join(REPO, 'docs/operations.md'), 'utf8');
  const block = /### systemd[\s\S]*?```ini\n([\s\S]*?)```/.exec(docs)?.[1];
  if (block === undefined) throw new Error('docs/operations.md has no ini block under "systemd"');
  const service = block.slice(block.indexOf('[Service]'));
  const settings: Record<string, string[]> = {};
  for (const line of service.split('\n').slice(1)) {
    if (line.startsWith('[')) break;
    const match = /^(\w+)=(.*)$/.exec(line.trim());
    if (match !== null) (settings[match[1]!] ??= []).push(match[2]!.trim());
  }
  for (const needed of ['ExecStart', 'ExecReload', 'KillSignal', 'KillMode', 'WorkingDirectory']) {
    if (settings[needed] === undefined) throw new Error(`the documented unit has no ${needed}=`);
  }
  return settings;
}
