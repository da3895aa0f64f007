/**
 * A hostile or broken backend answers hook calls with JSON nested thousands of levels deep (a few KB,
 * well under `backend.maxResponseBytes`). Encoding such a value for the client overflowed the stack
 * inside a promise callback, and the unhandled rejection ended the process: 1006 for every client.
 * Answers deeper than MAX_ANSWER_DEPTH are refused like any malformed answer, the caller gets an
 * Error frame, and the server keeps serving everyone else. Servers run in this process, so node:test
 * would also fail a test on any unhandled rejection.
 */
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { after, describe, test } from 'node:test';
import { pino } from 'pino';
import { Kind, type MessageFrame } from '../../src/protocol/index.js';
import { MAX_ANSWER_DEPTH } from '../../src/server/connection/backend-hooks/answers.js';
import { RawClient } from '../helpers/raw-client.js';
import { startServer, waitFor } from '../helpers/server.js';
import { upgradeStatus } from '../helpers/upgrade.js';

/** `levels` nested arrays around a number: `[[[…1…]]]`, 2 bytes per level. */
const nested = (levels: number): string => `${'['.repeat(levels)}1${']'.repeat(levels)}`;
const DEEP = nested(3000);

describe('backend answers nested thousands of levels deep', async () => {
  const answers: Record<string, string> = {
    '/rpc': `{"result": ${DEEP}}`,
    '/publish': `{"allow": true, "data": ${DEEP}}`,
    '/connect': `{"userId": "u1", "info": ${DEEP}}`,
    '/connect-claims': `{"userId": "u1", "claims": {"deep": ${DEEP}}}`,
    '/rpc-at-limit': `{"result": ${nested(MAX_ANSWER_DEPTH - 1)}}`,
  };
  const backend = createHttpServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(answers[req.url ?? ''] ?? '{}'));
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  after(() => {
    backend.closeAllConnections();
    backend.close();
  });
  const base = `http://127.0.0.1:${(backend.address() as { port: number }).port}`;
  assert.ok(DEEP.length < 8192, 'a few KB: under any response size limit');

  const logLines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'error' }, { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) });
  const { server, url } = await startServer({
    backend: { rpcUrl: `${base}/rpc`, publishUrl: `${base}/publish` },
    namespaces: { 'room:': { publish: 'backend' } },
    rpc: { deep: async () => JSON.parse(DEEP) as unknown },
    logger,
  });
  const bystander = await RawClient.connect(url);
  bystander.send({ kind: Kind.Subscribe, id: 1, topics: ['news'] });
  await bystander.answer(1);
  after(() => bystander.close());

  /** The bystander still gets publications: the process and its fan-out are alive. */
  const bystanderReceives = async (data: string) => {
    await server.publish('news', data);
    const message = (await bystander.next((frame) => frame.kind === Kind.Message, 10_000)) as MessageFrame;
    assert.equal(message.data, data);
  };

  test('a 3,000-level rpc result: the caller gets Error 100 (INTERNAL), a bystander keeps receiving', async () => {
    const caller = await RawClient.connect(url);
    caller.send({ kind: Kind.Rpc, id: 7, method: 'anything', data: null });
    assert.deepEqual(await caller.answer(7, 10_000), { kind: Kind.Error, id: 7, code: 100, message: 'backend unavailable' });
    await waitFor(() => logLines.some((line) => String(line.detail ?? line.msg).includes(`deeper than ${MAX_ANSWER_DEPTH} levels`)), 5000, 'the log says why');
    await bystanderReceives('after rpc');
    caller.send({ kind: Kind.Ping, id: 8 });
    assert.equal((await caller.answer(8)).kind, Kind.Reply, 'the caller stays connected');
    caller.close();
  });

  test('an rpc result at the depth limit is answered as usual', async () => {
    const { url: atLimit } = await startServer({ backend: { rpcUrl: `${base}/rpc-at-limit` } });
    const caller = await RawClient.connect(atLimit);
    caller.send({ kind: Kind.Rpc, id: 1, method: 'anything', data: null });
    const reply = await caller.answer(1, 10_000);
    assert.equal(reply.kind, Kind.Reply);
    caller.close();
  });

  test('a publish hook replacing the data with a 3,000-level value: the publish is refused with 100, nothing is published', async () => {
    const publisher = await RawClient.connect(url);
    const before = server.stats().publications;
    publisher.send({ kind: Kind.Publish, id: 3, topic: 'room:1', data: 'hello' });
    assert.deepEqual(await publisher.answer(3, 10_000), { kind: Kind.Error, id: 3, code: 100, message: 'backend unavailable' });
    assert.equal(server.stats().publications, before);
    await bystanderReceives('after publish');
    publisher.close();
  });

  test('a connect hook answering 3,000-level info or claims: the connection closes with 4005, the server keeps serving', async () => {
    for (const path of ['/connect', '/connect-claims']) {
      const { url: hooked } = await startServer({ backend: { connectUrl: `${base}${path}` } });
      assert.deepEqual((await upgradeStatus(hooked)).close?.code, 4005, path);
    }
    await bystanderReceives('after connect');
  });

  test("an application rpc handler returning a 3,000-level value: the caller gets HANDLER_FAILED (111), a bystander keeps receiving", async () => {
    const caller = await RawClient.connect(url);
    caller.send({ kind: Kind.Rpc, id: 4, method: 'deep', data: null });
    assert.deepEqual(await caller.answer(4, 10_000), { kind: Kind.Error, id: 4, code: 111, message: 'handler failed' });
    await bystanderReceives('after handler');
    caller.close();
  });
});
