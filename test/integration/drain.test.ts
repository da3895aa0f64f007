/**
 * Graceful drain of one process: on SIGTERM `/readyz` says 503 while the listener still accepts
 * (so a load balancer learns before connections are refused), then the listener closes, every
 * client gets 1012 SERVICE_RESTART, not all in the same millisecond, and the process exits 0.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Agent, request } from 'node:http';
import WebSocket from 'ws';
import { startCli, statusOf } from '../helpers/cli-process.js';
import { freePort, waitFor } from '../helpers/server.js';

test('SIGTERM: /readyz 503 before the listener closes, 1012 to 50 clients spread over drainMs, exit 0', async () => {
  const port = await freePort();
  const cli = startCli(['--port', String(port), '--host', '127.0.0.1', '--drain-ms', '500']);
  await cli.line(/listening/);
  const http = `http://127.0.0.1:${port}`;
  assert.equal(await statusOf(`${http}/readyz`), 200);

  const closes: Array<{ code: number; at: number }> = [];
  const sockets = Array.from({ length: 50 }, () => new WebSocket(`ws://127.0.0.1:${port}/`, ['switchboard.v1.json']));
  for (const socket of sockets) socket.on('close', (code) => closes.push({ code, at: Date.now() }));
  await Promise.all(sockets.map((socket) => new Promise((resolve, reject) => (socket.once('open', resolve), socket.once('error', reject)))));

  // Poll readiness on fresh connections until they are refused.
  const seen: number[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const status = await statusOf(`${http}/readyz`);
      if (seen.at(-1) !== status) seen.push(status);
      if (status === 0) return;
    }
  })();
  await waitFor(() => seen.length > 0, 5000, 'a first readiness answer');
  cli.child.kill('SIGTERM');
  await waitFor(() => closes.length === 50, 10_000, '50 closes');
  polling = false;
  await poller;
  assert.equal(await cli.exited, 0, 'exit code');

  assert.deepEqual(seen, [200, 503, 0], 'ready, then 503 while still listening, then refused');
  assert.deepEqual(new Set(closes.map((close) => close.code)), new Set([1012]), 'every client got 1012 SERVICE_RESTART');
  const times = new Set(closes.map((close) => close.at));
  assert.ok(times.size >= 2, `closes spread in time, not all in one millisecond (${times.size} distinct)`);
  // The spread is three quarters of 500 ms; a burst would arrive within a few ms. A lower bound
  // only: a slow machine stretches the span, never shrinks it.
  const span = Math.max(...times) - Math.min(...times);
  assert.ok(span >= 150, `closes spread over the window, not a burst (first to last: ${span} ms)`);
});

test('draining: once the listener is closed, HTTP answers on kept-alive connections say Connection: close', async () => {
  const port = await freePort();
  const cli = startCli(['--port', String(port), '--host', '127.0.0.1', '--drain-ms', '2000']);
  await cli.line(/listening/);
  // Two WebSocket clients keep the drain going for a while after the listener closes (the second
  // is closed half-way through the spread).
  const sockets = [0, 1].map(() => new WebSocket(`ws://127.0.0.1:${port}/`, ['switchboard.v1.json']));
  await Promise.all(sockets.map((socket) => new Promise((resolve, reject) => (socket.once('open', resolve), socket.once('error', reject)))));
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const viaAgent = () =>
    new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/healthz', agent }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
      });
      req.on('error', reject);
      req.end();
    });
  const before = await viaAgent();
  assert.equal(before.status, 200);
  assert.notEqual(before.connection, 'close', 'a serving server keeps the connection alive');

  cli.child.kill('SIGTERM');
  // Fresh connections are refused once the listener is closed; the kept-alive one still answers.
  while ((await statusOf(`http://127.0.0.1:${port}/healthz`)) !== 0) await new Promise((resolve) => setTimeout(resolve, 10));
  const during = await viaAgent();
  assert.equal(during.status, 200, 'the kept-alive connection is still answered');
  assert.equal(during.connection, 'close', 'and told to go elsewhere for its next request');
  agent.destroy();
  assert.equal(await cli.exited, 0, 'exit code');
});

test('SIGHUP to a single process: logged and ignored, clients stay connected', async () => {
  const port = await freePort();
  const cli = startCli(['--port', String(port), '--host', '127.0.0.1']);
  await cli.line(/listening/);
  const socket = new WebSocket(`ws://127.0.0.1:${port}/`, ['switchboard.v1.json']);
  let closed = false;
  socket.on('close', () => (closed = true));
  await new Promise((resolve, reject) => (socket.once('open', resolve), socket.once('error', reject)));
  cli.child.kill('SIGHUP');
  await cli.line(/SIGHUP: ignored/);
  assert.equal(await statusOf(`http://127.0.0.1:${port}/healthz`), 200, 'still serving');
  assert.equal(closed, false, 'the client was not dropped');
  socket.close();
  cli.child.kill('SIGTERM');
  assert.equal(await cli.exited, 0);
});
