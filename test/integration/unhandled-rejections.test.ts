/**
 * A promise rejection nobody handles does not take the process down: the CLI logs it with its
 * reason and counts it in /metrics, and keeps serving its clients. The rejections are planted by
 * the test (a handler fed directly, or a SIGUSR2 hook `--import`ed into the child process), never
 * by product code.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { Kind, type MessageFrame } from '../../src/protocol/index.js';
import { UNHANDLED_REJECTION_LOG, unhandledRejectionHandler } from '../../src/server/runtime/unhandled-rejections.js';
import { startCli } from '../helpers/cli-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { postJson, startServer, waitFor } from '../helpers/server.js';
import { PLANT_REJECTION } from '../helpers/unhandled.js';

const metricValue = (text: string) => Number(/^switchboard_unhandled_rejections_total (\d+)/m.exec(text)?.[1]);

test('a planted unhandled rejection is logged at error with its reason and stack, and counted in /metrics', async () => {
  const { http } = await startServer();
  const before = metricValue(await (await fetch(`${http}/metrics`)).text());
  assert.ok(Number.isInteger(before), 'switchboard_unhandled_rejections_total is exported');
  const lines: string[] = [];
  const logger = pino({ level: 'error' }, new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()) }));
  const reason = new Error('planted', { cause: new Error('the cause') });
  unhandledRejectionHandler(logger)(reason);
  await waitFor(() => lines.length === 1, 5000, 'the log line');
  const entry = JSON.parse(lines[0]!) as { level: number; msg: string; err: { message: string; stack: string } };
  assert.equal(entry.level, 50, 'logged at error');
  assert.equal(entry.msg, UNHANDLED_REJECTION_LOG);
  assert.equal(entry.err.message, 'planted: the cause', 'with its cause (pino joins the messages)');
  // .js when the suite runs its compiled copy (scripts/compile-suite.mjs).
  assert.match(entry.err.stack, /unhandled-rejections\.test\.[tj]s/, 'with the stack of where it was made');
  assert.equal(metricValue(await (await fetch(`${http}/metrics`)).text()), before + 1);
});

test('a rejection nobody handles in the CLI process is logged and counted, and the process keeps serving its clients', async () => {
  const cli = startCli(['--port', '0', '--host', '127.0.0.1'], { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${PLANT_REJECTION}`.trim() });
  cli.expectUnhandledRejections();
  const [, url] = await cli.line(/listening on (ws:\/\/\S+?)\/?(?:\s|$)/);
  const http = url!.replace('ws://', 'http://');
  const bystander = await RawClient.connect(`${url}/`);
  bystander.send({ kind: Kind.Subscribe, id: 1, topics: ['news'] });
  await bystander.answer(1);

  cli.child.kill('SIGUSR2');
  const logged = () => cli.stderr().split('\n').find((line) => line.includes(UNHANDLED_REJECTION_LOG));
  await waitFor(() => logged() !== undefined || cli.child.exitCode !== null, 10_000, 'the log line or an exit');
  assert.ok(logged() !== undefined, `the rejection is logged; stderr: ${cli.stderr()}`);
  const entry = JSON.parse(logged()!) as { msg: string; err: { message: string; stack: string } };
  assert.equal(entry.err.message, 'planted by a test');
  assert.match(entry.err.stack, /plant-rejection\.mjs/);
  assert.equal(metricValue(await (await fetch(`${http}/metrics`)).text()), 1);
  assert.equal(cli.child.exitCode, null, 'the process is still running');

  assert.equal((await postJson(`${http}/api/publish`, { topic: 'news', data: 'still here' })).status, 200);
  const message = (await bystander.next((frame) => frame.kind === Kind.Message, 10_000)) as MessageFrame;
  assert.equal(message.topic, 'news', 'the bystander still receives');
  bystander.close();
  cli.child.kill('SIGTERM');
  assert.equal(await cli.exited, 0);
});
