/**
 * What the server tells its operator, checked on real processes: the startup lines (engine,
 * fronts, hooks, the descriptor limit against maxConnections), Redis going away and coming back,
 * connections nearing the descriptor limit, and the end of a drain.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pino } from 'pino';
import WebSocket from 'ws';
import { createServer } from '../../src/server/index.js';
import { redisMissing, startRedis } from '../helpers/redis.js';
import { freePort, waitFor } from '../helpers/server.js';

/** `switchboard <args>` under `ulimit -n <files>`, its stdout and stderr kept together. */
function cliUnderLimit(files: number, args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn('bash', ['-c', `ulimit -n ${files} && exec "$0" --import tsx src/server/cli.ts "$@"`, process.execPath, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SWITCHBOARD_REDIS_URL: '', SWITCHBOARD_WORKERS: '', ...env },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  after(() => void child.kill('SIGKILL'));
  return { child, output: () => output, exited };
}

function configFile(options: object): string {
  const dir = mkdtempSync(join(tmpdir(), 'sb-operator-'));
  const path = join(dir, 'switchboard.config.json');
  writeFileSync(path, JSON.stringify(options));
  return path;
}

test('startup lines: engine, fronts, hooks, and a maxConnections the open-file limit cannot hold, as text and as one warning', async () => {
  const port = await freePort();
  const cli = cliUnderLimit(256, ['--port', String(port), '--host', '127.0.0.1', '--config', configFile({ maxConnections: 1000 })], {
    SWITCHBOARD_PUSHER_APP_ID: '7',
    SWITCHBOARD_PUSHER_KEY: 'k',
    SWITCHBOARD_PUSHER_SECRET: 's',
    SWITCHBOARD_BACKEND_URL: 'http://user:pw@127.0.0.1:8080/hooks',
    SWITCHBOARD_BACKEND_SECRET: 'backend-secret',
  });
  await waitFor(() => /uWS build: .*\n/.test(cli.output()), 20_000, `startup lines (so far: ${cli.output()})`);
  const out = cli.output();
  assert.match(out, /^engine: memory$/m);
  assert.match(out, /^fronts: switchboard protocol, pusher \(apps 7\)$/m);
  assert.match(out, /^hooks: backend http:\/\/127\.0\.0\.1:8080 \(connect, subscribe, publish, rpc\)$/m);
  assert.match(out, /^limits: maxConnections 1000, open files 256 \(room for about 224 connections: LESS than maxConnections/m);
  assert.doesNotMatch(out, /user:pw|backend-secret/, 'no credentials in the startup lines');
  const warning = out.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.openFileLimit === 256);
  assert.ok(warning, 'a JSON warning naming the limit');
  assert.equal(warning.level, 40);
  assert.equal(warning.maxConnections, 1000);

  // The printed API line names a route that answers (not a 404 index).
  const api = /^HTTP API: POST (\S+)/m.exec(out)![1]!;
  const answer = await fetch(api, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ topic: 'news', data: 1 }) });
  assert.equal(answer.status, 200);

  // SIGTERM: the end of the drain is said too.
  cli.child.kill('SIGTERM');
  assert.equal(await cli.exited, 0);
  assert.match(cli.output(), /^SIGTERM: drained in \d+ ms; exiting$/m);
});

test('connections nearing the open-file limit are reported while they last', async () => {
  const port = await freePort();
  // 112 descriptors leave room for about 80 connections; the line comes from 72.
  const cli = cliUnderLimit(112, ['--port', String(port), '--host', '127.0.0.1']);
  await waitFor(() => /uWS build: .*\n/.test(cli.output()), 20_000, 'listening');
  const sockets: WebSocket[] = [];
  after(() => sockets.forEach((socket) => socket.terminate()));
  for (let i = 0; i < 75; i++) {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/`);
    sockets.push(socket);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  }
  await waitFor(() => /connections near the open-file limit/.test(cli.output()), 10_000, 'the near-limit line');
  const line = cli.output().split('\n').find((text) => text.includes('connections near the open-file limit'))!;
  const fields = JSON.parse(line) as Record<string, unknown>;
  assert.equal(fields.openFileLimit, 112);
  assert.ok((fields.connections as number) >= 72);
});

test('Redis killed and restarted: "engine unavailable", then "engine available again" with how long', { skip: redisMissing }, async () => {
  const redis = await startRedis();
  const lines: Array<Record<string, unknown> & { msg: string }> = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line) as never) });
  const server = createServer({ host: '127.0.0.1', port: 0, logger, redis: { url: redis.url } });
  await server.listen();
  after(() => server.close());
  await redis.kill('SIGKILL');
  await waitFor(() => lines.some((line) => line.msg.startsWith('engine unavailable')), 15_000, 'the outage line');
  await redis.restart();
  await waitFor(() => lines.some((line) => line.msg === 'engine available again'), 15_000, 'the recovery line');
  const again = lines.find((line) => line.msg === 'engine available again')!;
  assert.equal(again.level, 40);
  assert.ok((again.unavailableMs as number) > 0);
  assert.equal(lines.filter((line) => line.msg.startsWith('engine')).length, 2, 'one line each');
});
