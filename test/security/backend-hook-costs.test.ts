/**
 * What one stranger can make the application's backend do through the backend hooks: a real HTTP
 * backend in this process counts the requests it has open at once (in total and per connection)
 * and in all, while clients flood the hooks. The server must keep every count under its caps,
 * share identical checks, and still answer legitimate clients afterwards; a bystander subscriber
 * keeps receiving throughout.
 */
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type ServerResponse } from 'node:http';
import { after, describe, test } from 'node:test';
import { startBystander } from '../helpers/bystander.js';
import { RawClient } from '../helpers/raw-client.js';
import { startServer, waitFor } from '../helpers/server.js';
import { upgradeStatus } from '../helpers/upgrade.js';

interface CountingBackend {
  base: string;
  /** Requests open right now, the most ever open at once, and all received. */
  open: number;
  maxOpen: number;
  total: number;
  /** The most requests ever open at once for one connectionId. */
  maxOpenPerConnection: number;
  /** Requests received by topic. */
  byTopic: Map<string, number>;
  /** Held requests (when `hold` says so), answered by `release`. */
  release(): void;
  hold: (path: string, body: Record<string, any>, headers: Record<string, unknown>) => boolean;
}

/** An HTTP backend answering allow (or an identity for /connect) after `delayMs`, or holding requests `hold` picks. */
async function startCountingBackend(delayMs = 0): Promise<CountingBackend> {
  const held: Array<() => void> = [];
  const openPerConnection = new Map<string, number>();
  const backend: CountingBackend = {
    base: '',
    open: 0,
    maxOpen: 0,
    total: 0,
    maxOpenPerConnection: 0,
    byTopic: new Map(),
    release: () => held.splice(0).forEach((answer) => answer()),
    hold: () => false,
  };
  const server = createHttpServer((req, res: ServerResponse) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => {
      const body = JSON.parse(text) as Record<string, any>;
      const connection = String(body.connectionId ?? '');
      backend.total++;
      backend.open++;
      backend.maxOpen = Math.max(backend.maxOpen, backend.open);
      openPerConnection.set(connection, (openPerConnection.get(connection) ?? 0) + 1);
      if (connection !== '') backend.maxOpenPerConnection = Math.max(backend.maxOpenPerConnection, openPerConnection.get(connection)!);
      if (typeof body.topic === 'string') backend.byTopic.set(body.topic, (backend.byTopic.get(body.topic) ?? 0) + 1);
      let done = false;
      const answer = () => {
        if (done) return;
        done = true;
        backend.open--;
        openPerConnection.set(connection, openPerConnection.get(connection)! - 1);
        const answerBody = req.url === '/connect' ? { userId: 'u1' } : { allow: true };
        if (!res.destroyed) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answerBody));
      };
      // A request the server gave up on (timeout) is no longer open at the backend.
      res.on('close', () => {
        if (!done) {
          done = true;
          backend.open--;
          openPerConnection.set(connection, openPerConnection.get(connection)! - 1);
        }
      });
      if (backend.hold(req.url ?? '', body, req.headers)) held.push(answer);
      else setTimeout(answer, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  backend.base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return backend;
}

const topics = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('backend subscribe hook under a flood', async () => {
  const backend = await startCountingBackend(5);
  const { server, url } = await startServer({
    backend: { subscribeUrl: `${backend.base}/subscribe`, maxConcurrentCalls: 8, maxCallsPerConnection: 4, timeoutMs: 2000 },
    namespaces: { 'room:': { subscribe: 'backend' } },
  });
  const bystander = await startBystander(server, url);

  test('a Subscribe frame naming 1,000 backend topics, sent twice, never has more than maxConcurrentCalls requests open', async () => {
    const attacker = await RawClient.connect(url);
    attacker.send({ kind: 1, id: 1, topics: topics('room:flood-', 1000) });
    attacker.send({ kind: 1, id: 2, topics: topics('room:flood-', 1000) });
    // Answered (allowed, refused as busy or timed out) or the socket closed for its rate: either way it ends.
    await waitFor(() => attacker.closed !== undefined || attacker.frames.filter((frame) => 'id' in frame && (frame.id === 1 || frame.id === 2)).length === 2, 30_000, 'both flood frames answered or the socket closed');
    await bystander.check();
    await waitFor(() => backend.open === 0, 10_000, 'the backend idle again');
    assert.ok(backend.maxOpen <= 8, `at most 8 requests open at once, saw ${backend.maxOpen}`);
    assert.ok(backend.maxOpenPerConnection <= 4, `at most 4 open for one connection, saw ${backend.maxOpenPerConnection}`);
    assert.ok(backend.total <= 1000, `at most one call per distinct topic, saw ${backend.total}`);
    attacker.close();

    // A legitimate client is answered after the flood.
    const legit = await RawClient.connect(url);
    legit.send({ kind: 1, id: 7, topics: ['room:legit'] });
    assert.equal((await legit.answer(7, 10_000)).kind, 21);
    legit.close();
    await bystander.check();
  });

  test('the same topic asked by 50 frames while its check is pending is one backend call', async () => {
    backend.hold = (_path, body) => body.topic === 'room:dup';
    const before = backend.byTopic.get('room:dup') ?? 0;
    const client = await RawClient.connect(url);
    for (let id = 1; id <= 50; id++) client.send({ kind: 1, id, topics: ['room:dup'] });
    await waitFor(() => (backend.byTopic.get('room:dup') ?? 0) > before, 5000, 'the check reached the backend');
    client.send({ kind: 5, id: 99 });
    assert.equal((await client.answer(99)).kind, 21, 'a Ping is answered while the check is held');
    assert.equal(backend.byTopic.get('room:dup')! - before, 1, 'one call for 50 identical frames');
    backend.release();
    for (let id = 1; id <= 50; id++) assert.equal((await client.answer(id)).kind, 21);
    backend.hold = () => false;
    client.close();
    await bystander.check();
  });

  test('one connection holding its in-flight calls does not keep another connection from the backend', async () => {
    const flooder = await RawClient.connect(url);
    backend.hold = (_path, body) => typeof body.topic === 'string' && body.topic.startsWith('room:hog-');
    flooder.send({ kind: 1, id: 1, topics: topics('room:hog-', 40) });
    await waitFor(() => backend.open >= 4, 5000, 'the flooder at its per-connection cap');
    const other = await RawClient.connect(url);
    other.send({ kind: 1, id: 2, topics: ['room:other'] });
    assert.equal((await other.answer(2, 10_000)).kind, 21, 'answered while the flooder waits');
    assert.ok(backend.maxOpenPerConnection <= 4, `saw ${backend.maxOpenPerConnection}`);
    backend.hold = () => false;
    backend.release();
    await flooder.answer(1, 10_000);
    flooder.close();
    other.close();
    await bystander.check();
  });
});

describe('topics counted by the message rate', async () => {
  const backend = await startCountingBackend(0);
  const { server, url } = await startServer({
    backend: { subscribeUrl: `${backend.base}/subscribe` },
    namespaces: { 'room:': { subscribe: 'backend' } },
    messagesPerSecond: 10,
    maxSubscriptions: 50,
  });
  const bystander = await startBystander(server, url);

  test('Subscribe frames of 50 topics each exhaust the message rate as 50 frames would: closed with 4002', async () => {
    // Burst: 2 x 10 + 50 = 70 frames. Three frames of 50 topics are 150 topics.
    const client = await RawClient.connect(url);
    client.send({ kind: 1, id: 1, topics: topics('room:a-', 50) });
    client.send({ kind: 1, id: 2, topics: topics('room:b-', 50) });
    client.send({ kind: 1, id: 3, topics: topics('room:c-', 50) });
    assert.equal((await client.closedWith()).code, 4002);
    assert.ok(backend.total <= 70, `calls bounded by the burst, saw ${backend.total}`);
    await bystander.check();
  });
});

describe('backend connect hook under a flood of upgrades', async () => {
  const backend = await startCountingBackend(0);
  const { server, url } = await startServer({
    backend: { connectUrl: `${backend.base}/connect`, maxConcurrentCalls: 8, maxQueuedCalls: 16, timeoutMs: 10_000 },
    authTimeoutMs: 15_000,
  });
  const bystander = await startBystander(server, url);

  test('100 upgrades while the connect hook hangs: at most maxConcurrentCalls requests open, the rest refused with a retryable code', async () => {
    backend.hold = (path) => path === '/connect';
    const attempts = Array.from({ length: 100 }, () => upgradeStatus(url));
    let settled = 0;
    for (const attempt of attempts) void attempt.then(() => settled++);
    await waitFor(() => backend.open >= 8, 10_000, 'the connect hook saturated');
    // Beyond the cap and the queue: refused at once, while the hook still answers nothing.
    await waitFor(() => settled >= 100 - 8 - 16, 8000, 'upgrades beyond the queue refused without waiting for the backend');
    assert.ok(backend.maxOpen <= 8, `at most 8 connect calls open, saw ${backend.maxOpen}`);
    backend.hold = () => false;
    backend.release();
    const outcomes = await Promise.all(attempts);
    const codes = outcomes.map((outcome) => outcome.close?.code ?? outcome.status);
    // Accepted (101 with a Welcome) or refused with a code that says "come back": 4005 BACKEND_UNAVAILABLE.
    assert.ok(codes.every((code) => code === 101 || code === 4005), codes.join(','));
    assert.ok(codes.filter((code) => code === 4005).length >= 100 - 8 - 16, codes.join(','));
    assert.ok(backend.total <= 100);
    assert.ok(backend.maxOpen <= 8, `saw ${backend.maxOpen}`);
    assert.equal((await upgradeStatus(url)).status, 101, 'a legitimate upgrade after the flood is accepted');
    await bystander.check();
  });
});
