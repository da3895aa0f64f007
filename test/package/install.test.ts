/**
 * What a user gets from `npm install switchboard-rt`: packs this repository's build with `npm pack`
 * (`npm test` builds first; run `npm run build` before running this file alone), installs the tarball into a fresh project outside the repository (the
 * npm registry supplies the dependencies, as for a user), and there
 *   - compiles a `strict` TypeScript file that imports the server, client and protocol entry points
 *     through the package name, then runs it: it starts a server from the installed package, connects
 *     the installed client, publishes and receives;
 *   - runs the `switchboard` bin through `npx`.
 * Importing the sources, or even the repository's own dist/, would miss a wrong "files", "exports",
 * "bin" or a dependency that only the repository's node_modules happens to provide.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));
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

  test('`npx switchboard --help` runs the installed bin', async () => {
    // --no: never fall back to downloading some other package that is called "switchboard";
    // --: without it npm 11's npx takes --help for itself.
    const { stdout } = await run('npx', ['--no', '--', 'switchboard', '--help'], { cwd: project });
    assert.match(stdout, /^Usage: switchboard \[options\]/m);
    assert.match(stdout, /--jwt-secret <secret>/);
  });
});
