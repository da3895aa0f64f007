/**
 * The `backend` subscribe rule in permissions.ts, with the HTTP call replaced by a fake: one call
 * per distinct topic, the caller's identity and kept headers in the request, a denial winning over
 * a failed call, and nothing sent to a connection that closed while the backend was deciding.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../../../../src/protocol/index.js';
import { Kind, type SubscribeFrame } from '../../../../src/protocol/frames.js';
import { Namespaces } from '../../../../src/server/namespaces/namespaces.js';
import { BackendError } from '../../../../src/server/connection/backend-hooks/backend-error.js';
import { BackendHooks } from '../../../../src/server/connection/backend-hooks/backend-hooks.js';
import { createFailureLog } from '../../../../src/server/connection/backend-hooks/failure-log.js';
import type { HookAnswer, HookCall } from '../../../../src/server/connection/backend-hooks/http-call.js';
import { resolveBackendOptions } from '../../../../src/server/connection/backend-hooks/options.js';
import { Connection } from '../../../../src/server/connection/connection.js';
import { Permissions } from '../../../../src/server/connection/permissions.js';
import { switchboardWire } from '../../../../src/server/fronts/switchboard/formats.js';
import { FakeSocket } from '../../../helpers/fake-transport.js';

const URL = 'http://backend.test/subscribe';

function fixture(answer: (topic: string) => Promise<HookAnswer>) {
  const calls: HookCall[] = [];
  const backend = new BackendHooks({
    options: resolveBackendOptions({ subscribeUrl: URL, headers: { 'x-secret': 's' } })!,
    log: () => undefined,
    post: (call) => {
      calls.push(call);
      return answer((call.body as { topic: string }).topic);
    },
  });
  const permissions = new Permissions(new Namespaces({ 'room:': { subscribe: 'backend' } }), undefined, backend);
  const connection = new Connection({ subscribe: () => ({}), unsubscribe: () => undefined }, 'c1', '42', { role: 'x' }, '127.0.0.1', switchboardWire('msgpack'));
  connection.socket = new FakeSocket();
  connection.backendHeaders = { cookie: 'app_session=abc' };
  const outcome: string[] = [];
  const frame = (topics: string[]): SubscribeFrame => ({ kind: Kind.Subscribe, id: 1, topics });
  const admit = (topics: string[]) =>
    permissions.admit(connection, frame(topics), () => outcome.push('allow'), (message, code) => outcome.push(`deny ${code} ${message}`));
  return { calls, connection, outcome, admit };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test('one call per distinct topic, carrying who asks, the topic and the kept headers', async () => {
  const { calls, outcome, admit } = fixture(async () => ({ status: 200, body: { allow: true } }));
  assert.equal(admit(['room:1', 'room:1', 'room:2', 'lobby']), false, 'decided later');
  await settle();
  assert.deepEqual(outcome, ['allow']);
  assert.deepEqual(calls.map((call) => (call.body as { topic: string }).topic), ['room:1', 'room:2']);
  assert.deepEqual(calls[0]!.body, { userId: '42', connectionId: 'c1', claims: { role: 'x' }, headers: { cookie: 'app_session=abc' }, topic: 'room:1' });
  assert.deepEqual(calls[0]!.headers, { cookie: 'app_session=abc', 'x-secret': 's' });
});

test('a denial wins over a failed call; a failure alone answers its retryable code', async () => {
  const failing = (topic: string) =>
    topic === 'room:down' ? Promise.reject(new BackendError('unreachable', URL, 'ECONNREFUSED')) : Promise.resolve({ status: 200, body: { allow: topic === 'room:ok' } });
  const both = fixture(failing);
  both.admit(['room:down', 'room:no']);
  await settle();
  assert.deepEqual(both.outcome, [`deny ${ErrorCode.Forbidden} not allowed to subscribe to this topic`]);
  const failureOnly = fixture(failing);
  failureOnly.admit(['room:down', 'room:ok']);
  await settle();
  assert.deepEqual(failureOnly.outcome, [`deny ${ErrorCode.Internal} backend unavailable`]);
});

test('a connection that closed while the backend decided is not answered', async () => {
  let answer!: (value: HookAnswer) => void;
  const { connection, outcome, admit } = fixture(() => new Promise((resolve) => (answer = resolve)));
  admit(['room:1']);
  // The flag alone must stop it: the socket object may outlive the close in the transport.
  connection.closed = true;
  answer({ status: 200, body: { allow: true } });
  await settle();
  assert.deepEqual(outcome, []);
});

test('backend failures are logged once per hook and interval, with the URL and status', () => {
  const lines: Array<{ fields: Record<string, unknown>; message: string }> = [];
  let now = 0;
  const log = createFailureLog({ error: ((fields: Record<string, unknown>, message: string) => void lines.push({ fields, message })) as never }, 10_000, () => now);
  for (let i = 0; i < 5; i++) log('connect', new BackendError('status', 'http://app/connect', 'HTTP 502', 502));
  log('rpc', new BackendError('timeout', 'http://app/rpc', 'no answer within 2000 ms'));
  now = 10_000;
  log('connect', new BackendError('status', 'http://app/connect', 'HTTP 502', 502));
  assert.deepEqual(lines.map((line) => line.message), [
    'backend connect hook failed: HTTP 502 (http://app/connect)',
    'backend rpc hook failed: no answer within 2000 ms (http://app/rpc)',
    'backend connect hook failed: HTTP 502 (http://app/connect)',
  ]);
  assert.equal(lines[0]!.fields.status, 502);
  assert.equal(lines[2]!.fields.alsoFailedSinceLastLine, 4);
});
