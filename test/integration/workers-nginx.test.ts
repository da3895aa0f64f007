/**
 * The deployment of docs/operations.md §5 for real: nginx terminating TLS in front of two workers
 * on one port. An SDK client connects over wss:// through it, receives, and comes through a SIGHUP
 * rolling restart with exactly 1..N, recovered, having seen only 1012.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import WebSocket from 'ws';
import type { WebSocketConstructor } from '../../src/client/transport.js';
import { publishNumbered, startCli } from '../helpers/cli-process.js';
import { connectClient } from '../helpers/clients.js';
import { startNginx, nginxMissing } from '../helpers/nginx.js';
import { redisMissing, startRedis } from '../helpers/redis.js';
import { skipOrFailWithout } from '../helpers/requirements.js';
import { freePort, sleep, waitFor } from '../helpers/server.js';

/** `ws` trusting the test's self-signed certificate. */
class SelfSignedWebSocket extends WebSocket {
  constructor(url: string, protocols?: string | string[]) {
    super(url, protocols, { rejectUnauthorized: false });
  }
}

test('wss:// through nginx to 2 workers: receives, and recovers across a SIGHUP rolling restart', async (t) => {
  if (skipOrFailWithout(t, nginxMissing) || skipOrFailWithout(t, redisMissing ?? false)) return;
  const redis = await startRedis();
  const port = await freePort();
  const cli = startCli(['--workers', '2', '--port', String(port), '--host', '127.0.0.1', '--redis', redis.url, '--drain-ms', '300', '--trusted-proxies', '127.0.0.1']);
  await cli.line(/listening on .* with 2 workers/);
  const nginx = await startNginx(port);

  const client = connectClient(`wss://127.0.0.1:${nginx.port}/`, { WebSocket: SelfSignedWebSocket as unknown as WebSocketConstructor, minReconnectDelayMs: 50, maxReconnectDelayMs: 200 });
  const seqs: number[] = [];
  const closes: number[] = [];
  const recovered: Array<boolean | undefined> = [];
  client.on('close', (event) => closes.push(event.code));
  client.on('subscribed', (event) => recovered.push(event.recovered));
  await client.subscribe('tls:feed', (_data, context) => seqs.push(context.seq));
  assert.match(client.connectionId ?? '', /^w[12]\./, 'served by a worker through nginx');

  const publishing = publishNumbered(`http://127.0.0.1:${port}`, 'tls:feed', 1000);
  await waitFor(() => seqs.length >= 100, 15_000, 'traffic through nginx before the restart');
  const done = cli.lines.length;
  cli.child.kill('SIGHUP');
  await cli.line(/rolling restart done/, 60_000, done);
  await publishing;
  await waitFor(() => seqs.length >= 1000, 20_000, 'all 1000 through nginx');
  await sleep(100);
  assert.deepEqual(seqs, Array.from({ length: 1000 }, (_, i) => i + 1));
  assert.ok(closes.length >= 1, 'moved by the restart');
  assert.deepEqual(new Set(closes), new Set([1012]), 'nginx passed 1012 on unchanged');
  assert.ok(recovered.slice(1).every((value) => value === true), 'recovered after every move');
  cli.child.kill('SIGTERM');
  assert.equal(await cli.exited, 0);
});
