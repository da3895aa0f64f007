import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { ErrorCode, Kind, type ErrorFrame } from '../../src/protocol/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { skipOrFailWithout } from '../helpers/requirements.js';
import { waitFor } from '../helpers/server.js';

const CLI = fileURLToPath(new URL('../../dist/server/cli.js', import.meta.url));
const children: ChildProcess[] = [];
after(() => children.forEach((child) => child.kill('SIGKILL')));

/** Runs the built CLI in `cwd` and waits until it listens (or exits). */
async function runCli(args: string[], cwd: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitFor(() => /uWS build: .*\n/.test(output) || child.exitCode !== null, 10_000, 'CLI to listen or exit');
  const port = Number(/listening on ws:\/\/[^:]+:(\d+)/.exec(output)?.[1]);
  return { child, port, output: () => output };
}

const freshDir = () => mkdtempSync(join(tmpdir(), 'switchboard-cli-'));

describe('CLI config file', () => {
  test('--config loads namespaces and limits; flags and env override the file', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'custom.json'), JSON.stringify({ apiKey: 'file-key', namespaces: { 'chat:': { publish: 'anyone' } }, maxSubscriptions: 2 }));
    const { child, port } = await runCli(['--config', 'custom.json'], dir);
    const raw = await RawClient.connect(`ws://127.0.0.1:${port}/`);
    const welcome = await fetch(`http://127.0.0.1:${port}/api/topics/t`, { headers: { authorization: 'Bearer file-key' } });
    assert.equal(welcome.status, 200);
    raw.send({ kind: Kind.Publish, id: 1, topic: 'chat:lobby', data: 1 });
    assert.equal((await raw.answer(1)).kind, Kind.Reply);
    raw.send({ kind: Kind.Subscribe, id: 2, topics: ['a', 'b', 'c'] });
    assert.equal(((await raw.answer(2)) as ErrorFrame).code, ErrorCode.LimitExceeded);
    raw.close();
    child.kill('SIGTERM');
    await once(child, 'exit');

    const overridden = await runCli(['--config', 'custom.json', '--api-key', 'flag-key'], dir);
    assert.equal((await fetch(`http://127.0.0.1:${overridden.port}/api/topics/t`, { headers: { authorization: 'Bearer flag-key' } })).status, 200);
    overridden.child.kill('SIGTERM');
    await once(overridden.child, 'exit');
  });

  test('./switchboard.config.json is read by default', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'switchboard.config.json'), JSON.stringify({ apiKey: 'default-file-key' }));
    const { child, port } = await runCli([], dir);
    assert.equal((await fetch(`http://127.0.0.1:${port}/api/topics/t`)).status, 401);
    child.kill('SIGTERM');
    await once(child, 'exit');
  });

  test('a bad config exits 2 with a message naming the key', async () => {
    const dir = freshDir();
    const cases: Array<[string, RegExp]> = [
      ['{"maxConectionsPerIp": 5}', /maxConectionsPerIp: is not an option/],
      ['{"namespaces": {"chat:": {"publish": "everyone"}}}', /namespaces\["chat:"\]\.publish/],
      ['{"maxPayloadBytes": "big"}', /maxPayloadBytes: must be a positive integer/],
      ['{not json', /config: .* is not valid JSON/],
    ];
    for (const [text, message] of cases) {
      writeFileSync(join(dir, 'bad.json'), text);
      const { child, output } = await runCli(['--config', 'bad.json'], dir);
      const code = child.exitCode ?? (await once(child, 'exit'))[0];
      assert.equal(code, 2, text);
      assert.match(output(), message);
    }
  });
});

describe('a fresh start with no configuration is safe', () => {
  // A non-loopback address of this machine: connecting to it from here is not a loopback peer.
  const external = Object.values(networkInterfaces())
    .flat()
    .find((info) => info !== undefined && info.family === 'IPv4' && !info.internal)?.address;

  // Where the machine has no such address the remote half cannot run: it is its own test so that
  // it shows as skipped (not as a pass), and under CI it fails, since CI machines have one.
  const noExternal = external === undefined ? 'no non-loopback IPv4 interface to call the HTTP API from' : false;

  test('no client publish, user: topics owner-only, HTTP API answers loopback callers', async () => {
    const { child, port } = await runCli([], freshDir(), { HOST: '0.0.0.0' });
    const raw = await RawClient.connect(`ws://127.0.0.1:${port}/`);
    raw.send({ kind: Kind.Publish, id: 1, topic: 'prices:btc', data: 1 });
    assert.equal(((await raw.answer(1)) as ErrorFrame).code, ErrorCode.Forbidden);
    raw.send({ kind: Kind.Subscribe, id: 2, topics: ['user:42'] });
    assert.equal(((await raw.answer(2)) as ErrorFrame).code, ErrorCode.Forbidden);
    raw.close();
    const local = await fetch(`http://127.0.0.1:${port}/api/publish`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"topic":"t","data":1}' });
    assert.equal(local.status, 200);
    child.kill('SIGTERM');
    await once(child, 'exit');
  });

  test('the HTTP API refuses a non-loopback caller with 403 FORBIDDEN', async (t) => {
    if (skipOrFailWithout(t, noExternal)) return;
    const { child, port } = await runCli([], freshDir(), { HOST: '0.0.0.0' });
    const remote = await fetch(`http://${external}:${port}/api/publish`, { method: 'POST', body: '{"topic":"t","data":1}' });
    assert.equal(remote.status, 403);
    assert.equal(((await remote.json()) as { code: string }).code, 'FORBIDDEN');
    child.kill('SIGTERM');
    await once(child, 'exit');
  });
});
