import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { connect } from '../../src/client/index.js';
import { CloseCode } from '../../src/protocol/index.js';
import { createServer } from '../../src/server/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { startServer, waitFor } from '../helpers/server.js';

const CLI = fileURLToPath(new URL('../../dist/server/cli.js', import.meta.url));

describe('listening', () => {
  test('a second server on a taken port fails instead of silently sharing it', async () => {
    const { port } = await startServer();
    const second = createServer({ logLevel: 'silent', host: '127.0.0.1', port });
    await assert.rejects(second.listen(), /could not listen on 127\.0\.0\.1:\d+/);
  });
});

describe('server-initiated close', () => {
  test('unsendable codes become 4000 and long reasons are cut to 123 bytes', async () => {
    const { server, url } = await startServer();
    const first = await RawClient.connect(url);
    const second = await RawClient.connect(url);
    const [a, b] = [...server.clients.values()];
    a!.close(1006, 'reserved code');
    b!.close(4001, 'ż'.repeat(100));
    assert.deepEqual(await first.closedWith(), { code: CloseCode.ServerClosed, reason: 'reserved code' });
    const closed = await second.closedWith();
    assert.equal(closed.code, 4001);
    assert.equal(closed.reason, 'ż'.repeat(61));
  });
});

describe('graceful shutdown and reconnect', () => {
  test('close() sends 1001 to every socket and stops accepting', async () => {
    const { server, url } = await startServer();
    const a = await RawClient.connect(url);
    const b = await RawClient.connect(url, { format: 'json' });
    await server.close();
    assert.deepEqual(await a.closedWith(), { code: CloseCode.GoingAway, reason: 'server shutting down' });
    assert.equal((await b.closedWith()).code, CloseCode.GoingAway);
    await assert.rejects(RawClient.connect(url));
  });

  test('the client reconnects after a server restart on the same port and resubscribes its topics', async () => {
    const first = createServer({ logLevel: 'silent', host: '127.0.0.1', port: 0 });
    const { port } = await first.listen();
    const url = `ws://127.0.0.1:${port}/`;
    const client = connect(url, { minReconnectDelayMs: 50, maxReconnectDelayMs: 200 });
    const got: Array<{ data: unknown; seq: number }> = [];
    const closes: Array<{ code: number; willReconnect: boolean }> = [];
    let opens = 0;
    client.on('open', () => opens++);
    client.on('close', ({ code, willReconnect }) => closes.push({ code, willReconnect }));
    await client.subscribe('feed', (data, { seq }) => got.push({ data, seq }));
    await client.subscribe('feed:2', () => {});
    await first.publish('feed', 'before');
    await waitFor(() => got.length === 1, 3000, 'first message');

    await first.close();
    await waitFor(() => closes.length === 1, 3000, 'close event');
    assert.deepEqual(closes[0], { code: CloseCode.GoingAway, willReconnect: true });

    const second = createServer({ logLevel: 'silent', host: '127.0.0.1', port });
    await second.listen();
    after(() => second.close());
    await waitFor(() => opens === 2, 5000, 'reconnect');
    await waitFor(() => second.stats().connections === 1 && [...second.clients.values()][0]!.topics.size === 2, 3000, 'resubscribe');
    await second.publish('feed', 'after');
    await waitFor(() => got.length === 2, 3000, 'message after restart');
    assert.deepEqual(got, [{ data: 'before', seq: 1 }, { data: 'after', seq: 1 }]);
    client.close();
  });

  test('a terminal close code stops reconnecting', async () => {
    const { server, url } = await startServer();
    const client = connect(url, { minReconnectDelayMs: 20 });
    await client.ready();
    const events: Array<{ code: number; willReconnect: boolean }> = [];
    client.on('close', (event) => events.push(event));
    server.clients.get(client.connectionId!)!.close(CloseCode.ProtocolViolation, 'go away');
    await waitFor(() => events.length === 1, 3000, 'close');
    assert.deepEqual(events[0], { code: CloseCode.ProtocolViolation, reason: 'go away', willReconnect: false });
    assert.equal(client.state, 'closed');
    await assert.rejects(client.ping());
  });
});

/** Runs the built CLI and waits for its "listening" line. */
async function startCli(args: string[], env: Record<string, string> = {}): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // The uWS build line follows the listening line in a separate write: wait for both.
  await waitFor(() => /uWS build: .*\n/.test(output) || child.exitCode !== null, 10_000, 'CLI to listen');
  const port = Number(/listening on ws:\/\/[^:]+:(\d+)/.exec(output)?.[1]);
  return { child, port, output: () => output };
}

describe('CLI', () => {
  test('serves, prints the ws URL and uWS build, and exits 0 on SIGTERM after draining sockets with 1012', async () => {
    const { child, port, output } = await startCli([]);
    assert.ok(port > 0, output());
    // The CLI writes the uWS line right after the listening line, in a second write: wait for it.
    await waitFor(() => /uWS build:/.test(output()), 3000, 'the uWS build line');
    assert.match(output(), /uWS build: \S+ \d+\.\d+\.\d+ \(tls: (yes|no), compression: (yes|no)\)/);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(health.status, 200);
    const raw = await RawClient.connect(`ws://127.0.0.1:${port}/`);
    const started = Date.now();
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
    assert.ok(Date.now() - started < 5000);
    // SIGTERM drains (a planned restart): 1012 SERVICE_RESTART, so clients reconnect promptly.
    assert.equal((await raw.closedWith()).code, CloseCode.ServiceRestart);
  });

  test('SIGINT also exits 0; an API key from the environment is enforced', async () => {
    const { child, port } = await startCli([], { SWITCHBOARD_API_KEY: 'cli-key' });
    const denied = await fetch(`http://127.0.0.1:${port}/api/publish`, { method: 'POST', body: '{"topic":"t","data":1}' });
    assert.equal(denied.status, 401);
    const allowed = await fetch(`http://127.0.0.1:${port}/api/publish`, { method: 'POST', headers: { authorization: 'Bearer cli-key' }, body: '{"topic":"t","data":1}' });
    assert.equal(allowed.status, 200);
    child.kill('SIGINT');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
  });

  test('flags override the environment; --help prints usage; bad flags exit 2', async () => {
    const { child, port } = await startCli(['--port', '0', '--api-key', 'flag-key'], { SWITCHBOARD_API_KEY: 'env-key' });
    const res = await fetch(`http://127.0.0.1:${port}/api/topics/t`, { headers: { authorization: 'Bearer flag-key' } });
    assert.equal(res.status, 200);
    child.kill('SIGTERM');
    await once(child, 'exit');

    const help = spawn(process.execPath, [CLI, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    help.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    assert.equal((await once(help, 'exit'))[0], 0);
    assert.match(text, /Usage: switchboard/);
    assert.match(text, /SWITCHBOARD_API_KEY/);

    for (const args of [['--nope'], ['--port', 'abc'], ['--log-level', 'loud']]) {
      const bad = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PORT: '0' } });
      let err = '';
      bad.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      assert.equal((await once(bad, 'exit'))[0], 2, args.join(' '));
      assert.match(err, /switchboard: /);
    }
  });
});
