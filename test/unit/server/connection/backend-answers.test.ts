/**
 * The documented answer shapes of the backend hooks (docs/api.md "Backend hooks"), as pure
 * functions of (status, body): accept, refuse, and every shape that must count as a broken backend.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AuthError, ErrorCode, RemoteError } from '../../../../src/protocol/index.js';
import { MAX_ANSWER_DEPTH, connectIdentity, permission, rpcResult } from '../../../../src/server/connection/backend-hooks/answers.js';
import { BackendError } from '../../../../src/server/connection/backend-hooks/backend-error.js';

const URL = 'http://backend.test/hook';
const ok = (body: unknown) => ({ status: 200, body });
const malformed = (err: unknown) => err instanceof BackendError && err.failure === 'malformed' && err.code === ErrorCode.Internal;
const refused = (code: number, message: string) => (err: unknown) => err instanceof AuthError && err.code === code && err.message === message;

test('connect: userId (string, PHP integer or null), claims and info accept', () => {
  assert.deepEqual(connectIdentity(URL, ok({ userId: '42', claims: { role: 'admin' }, info: { name: 'Ann' } })), { userId: '42', claims: { role: 'admin' }, info: { name: 'Ann' } });
  assert.deepEqual(connectIdentity(URL, ok({ userId: 42 })), { userId: '42' });
  assert.deepEqual(connectIdentity(URL, ok({})), { userId: null });
});

test('connect: {reject}, 401 and 403 refuse with UNAUTHORIZED / FORBIDDEN and the backend reason', () => {
  assert.throws(() => connectIdentity(URL, ok({ reject: 'unknown session' })), refused(ErrorCode.Unauthorized, 'unknown session'));
  assert.throws(() => connectIdentity(URL, { status: 401, body: undefined }), refused(ErrorCode.Unauthorized, 'authentication refused'));
  assert.throws(() => connectIdentity(URL, { status: 401, body: { error: 'login first' } }), refused(ErrorCode.Unauthorized, 'login first'));
  assert.throws(() => connectIdentity(URL, { status: 403, body: { reject: 'suspended' } }), refused(ErrorCode.Forbidden, 'suspended'));
  assert.throws(() => connectIdentity(URL, { status: 403, body: undefined }), refused(ErrorCode.Forbidden, 'forbidden'));
});

test('connect: other shapes and statuses are a broken backend, not a refusal', () => {
  for (const body of [null, [], 'ok', { userId: '' }, { userId: 1.5 }, { userId: {} }, { reject: 7 }, { reject: '' }, { userId: '1', claims: [] }]) {
    assert.throws(() => connectIdentity(URL, ok(body)), malformed, JSON.stringify(body));
  }
  assert.throws(() => connectIdentity(URL, { status: 404, body: undefined }), (err: unknown) => err instanceof BackendError && err.failure === 'status' && err.status === 404);
});

test('subscribe/publish: allow, deny, replaced data only where allowed', () => {
  assert.deepEqual(permission(URL, ok({ allow: true }), false), { allow: true, replaced: false });
  assert.deepEqual(permission(URL, ok({ allow: false }), true), { allow: false });
  assert.deepEqual(permission(URL, { status: 403, body: undefined }, true), { allow: false });
  assert.deepEqual(permission(URL, { status: 401, body: undefined }, false), { allow: false });
  assert.deepEqual(permission(URL, ok({ allow: true, data: { text: 'clean' } }), true), { allow: true, replaced: true, data: { text: 'clean' } });
  assert.deepEqual(permission(URL, ok({ allow: true, data: null }), true), { allow: true, replaced: true, data: null });
  assert.deepEqual(permission(URL, ok({ allow: true, data: 'ignored' }), false), { allow: true, replaced: false }, 'subscribe answers replace nothing');
  for (const body of [{}, { allow: 'yes' }, { allow: 1 }, [], undefined]) assert.throws(() => permission(URL, ok(body), true), malformed, JSON.stringify(body));
});

test('rpc: result, error codes from the table, others become HANDLER_FAILED', () => {
  assert.deepEqual(rpcResult(URL, ok({ result: { sum: 3 } })), { sum: 3 });
  assert.equal(rpcResult(URL, ok({ result: null })), null);
  const remote = (code: number, message: string) => (err: unknown) => err instanceof RemoteError && err.code === code && err.message === message;
  assert.throws(() => rpcResult(URL, ok({ error: { code: 104, message: 'admins only' } })), remote(ErrorCode.Forbidden, 'admins only'));
  assert.throws(() => rpcResult(URL, ok({ error: { code: 599, message: 'made up' } })), remote(ErrorCode.HandlerFailed, 'made up'));
  assert.throws(() => rpcResult(URL, ok({ error: { code: '104' } })), remote(ErrorCode.HandlerFailed, 'handler failed'));
  assert.throws(() => rpcResult(URL, { status: 403, body: undefined }), remote(ErrorCode.Forbidden, 'not allowed'));
  assert.throws(() => rpcResult(URL, { status: 401, body: { error: { message: 'log in' } } }), remote(ErrorCode.Unauthorized, 'log in'));
  for (const body of [{}, { results: 1 }, { error: 'x' }, 'ok']) assert.throws(() => rpcResult(URL, ok(body)), malformed, JSON.stringify(body));
});

test('every hook: an answer nested deeper than MAX_ANSWER_DEPTH is malformed, one at the limit is read', () => {
  // `levels` nested arrays: with the answer object around them, the value sits at depth levels + 1.
  const nested = (levels: number): unknown => JSON.parse(`${'['.repeat(levels)}1${']'.repeat(levels)}`);
  const atLimit = nested(MAX_ANSWER_DEPTH - 1);
  const over = nested(MAX_ANSWER_DEPTH);
  assert.deepEqual(rpcResult(URL, ok({ result: atLimit })), atLimit);
  assert.throws(() => rpcResult(URL, ok({ result: over })), malformed);
  assert.throws(() => rpcResult(URL, ok({ error: { code: 111, message: 'x', detail: over } })), malformed);
  assert.throws(() => permission(URL, ok({ allow: true, data: over }), true), malformed);
  assert.throws(() => connectIdentity(URL, ok({ userId: 'u', info: over })), malformed);
  assert.throws(() => connectIdentity(URL, ok({ userId: 'u', claims: { a: over } })), malformed);
  assert.throws(() => rpcResult(URL, ok({ result: nested(3000) })), malformed, 'thousands of levels: refused, no stack overflow');
});
