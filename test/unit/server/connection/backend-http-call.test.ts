/**
 * The backend hook HTTP call (src/server/connection/backend-hooks/http-call.ts) against a tiny
 * node:http server that misbehaves on purpose: every way of not getting a usable answer must end
 * as a BackendError of the right kind, within the timeout, and never as a hang or a crash.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { after, describe, test } from 'node:test';
import { BackendError, type BackendFailure } from '../../../../src/server/connection/backend-hooks/backend-error.js';
import { postJson, type HookCall } from '../../../../src/server/connection/backend-hooks/http-call.js';
import { ErrorCode } from '../../../../src/protocol/index.js';
import { freePort } from '../../../helpers/server.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
const routes = new Map<string, Handler>();
const held: ServerResponse[] = [];

const backend = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => {
    const route = routes.get(req.url ?? '');
    if (route === undefined) res.writeHead(404).end();
    else route(req, res, body);
  });
});
await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(backend.address() as { port: number }).port}`;
after(() => {
  for (const res of held) res.destroy();
  backend.closeAllConnections();
  backend.close();
});

const call = (path: string, overrides: Partial<HookCall> = {}): Promise<{ status: number; body: unknown }> =>
  postJson({ url: `${base}${path}`, body: { hello: 'backend' }, headers: { cookie: 'sid=1', 'x-secret': 's' }, timeoutMs: 10_000, maxResponseBytes: 1024, ...overrides });

const failsWith = (failure: BackendFailure, code: number) => (err: unknown) => {
  assert.ok(err instanceof BackendError, String(err));
  assert.equal(err.failure, failure, err.detail);
  assert.equal(err.code, code);
  return true;
};

describe('postJson', () => {
  test('sends the body as JSON with the given headers and returns status and parsed answer', async () => {
    let seen: { body: unknown; headers: IncomingMessage['headers']; method?: string } | undefined;
    routes.set('/ok', (req, res, body) => {
      seen = { body: JSON.parse(body), headers: req.headers, method: req.method };
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"allow":true}');
    });
    assert.deepEqual(await call('/ok'), { status: 200, body: { allow: true } });
    assert.equal(seen?.method, 'POST');
    assert.deepEqual(seen?.body, { hello: 'backend' });
    assert.equal(seen?.headers.cookie, 'sid=1');
    assert.equal(seen?.headers['x-secret'], 's');
    assert.equal(seen?.headers['content-type'], 'application/json');
  });

  test('a 4xx answer is returned (a refusal), with its body when it is JSON and without when not', async () => {
    routes.set('/403', (_req, res) => res.writeHead(403).end('{"reject":"banned"}'));
    routes.set('/401-html', (_req, res) => res.writeHead(401).end('<h1>Login</h1>'));
    assert.deepEqual(await call('/403'), { status: 403, body: { reject: 'banned' } });
    assert.deepEqual(await call('/401-html'), { status: 401, body: undefined });
  });

  test('an answer that never comes is a timeout (TIMEOUT), headers or body', async () => {
    routes.set('/hang', (_req, res) => void held.push(res));
    routes.set('/hang-body', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"allow":');
      held.push(res);
    });
    await assert.rejects(call('/hang', { timeoutMs: 100 }), failsWith('timeout', ErrorCode.Timeout));
    await assert.rejects(call('/hang-body', { timeoutMs: 100 }), failsWith('timeout', ErrorCode.Timeout));
  });

  test('5xx, 3xx and unexpected statuses are failures (INTERNAL) that carry the status', async () => {
    routes.set('/500', (_req, res) => res.writeHead(500).end('Fatal error'));
    routes.set('/302', (_req, res) => res.writeHead(302, { location: '/login' }).end());
    routes.set('/login', (_req, res) => res.writeHead(200).end('{"allow":true}'));
    await assert.rejects(call('/500'), (err: unknown) => failsWith('status', ErrorCode.Internal)(err) && (err as BackendError).status === 500);
    await assert.rejects(call('/302'), (err: unknown) => failsWith('status', ErrorCode.Internal)(err) && (err as BackendError).status === 302);
  });

  test('a 2xx answer that is not JSON is malformed', async () => {
    routes.set('/html', (_req, res) => res.writeHead(200).end('<html>Warning: undefined index</html>'));
    await assert.rejects(call('/html'), failsWith('malformed', ErrorCode.Internal));
  });

  test('an answer over maxResponseBytes is refused, declared or streamed without a length', async () => {
    const big = JSON.stringify({ result: 'x'.repeat(4096) });
    routes.set('/big', (_req, res) => res.writeHead(200, { 'content-length': String(Buffer.byteLength(big)) }).end(big));
    routes.set('/big-chunked', (_req, res) => {
      res.writeHead(200);
      for (let i = 0; i < 8; i++) res.write('x'.repeat(512));
      res.end();
    });
    await assert.rejects(call('/big'), failsWith('too-large', ErrorCode.Internal));
    await assert.rejects(call('/big-chunked'), failsWith('too-large', ErrorCode.Internal));
    assert.deepEqual(await call('/big', { maxResponseBytes: 8192 }), { status: 200, body: JSON.parse(big) });
  });

  test('nobody listening is unreachable (INTERNAL), with the system error for the log', async () => {
    const port = await freePort();
    await assert.rejects(postJson({ url: `http://127.0.0.1:${port}/connect`, body: {}, headers: {}, timeoutMs: 1000, maxResponseBytes: 1024 }), (err: unknown) => {
      failsWith('unreachable', ErrorCode.Internal)(err);
      assert.match((err as BackendError).detail, /ECONNREFUSED/);
      assert.equal((err as BackendError).message, 'backend unavailable', 'the client-facing message names no URL');
      return true;
    });
  });
});
