import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AuthError, ErrorCode, ProtocolError } from '../../../../src/protocol/index.js';
import { createApiGuard } from '../../../../src/server/http/guard.js';
import { parseBody } from '../../../../src/server/http/request.js';
import { isLoopback } from '../../../../src/server/connection/net-address.js';

const code = (expected: number) => (err: unknown) => (err instanceof AuthError || err instanceof ProtocolError) && err.code === expected;

test('loopback detection covers IPv4, IPv6 and IPv4-mapped forms', () => {
  for (const address of ['127.0.0.1', '127.8.9.10', '::1', '0000:0000:0000:0000:0000:0000:0000:0001', '::ffff:127.0.0.1', '0000:0000:0000:0000:0000:ffff:7f00:0001']) {
    assert.equal(isLoopback(address), true, address);
  }
  for (const address of ['10.0.0.1', '192.168.1.1', '::ffff:10.0.0.1', '2001:db8::1', '', 'garbage']) assert.equal(isLoopback(address), false, address);
});

test('without a key the API is loopback-only (403 FORBIDDEN otherwise)', () => {
  const guard = createApiGuard(undefined);
  guard('', '127.0.0.1');
  assert.throws(() => guard('Bearer anything', '203.0.113.7'), code(ErrorCode.Forbidden));
});

test('with a key, every caller (loopback too) needs exactly that bearer key', () => {
  const guard = createApiGuard('s3cret');
  guard('Bearer s3cret', '203.0.113.7');
  guard('bearer   s3cret ', '127.0.0.1');
  for (const header of ['', 's3cret', 'Bearer', 'Bearer s3cre', 'Bearer s3cret2', 'Basic s3cret']) {
    assert.throws(() => guard(header, '127.0.0.1'), code(ErrorCode.Unauthorized), header);
  }
});

test('bodies parse as msgpack by content type, otherwise as JSON, and must be objects', () => {
  assert.deepEqual(parseBody(Buffer.from('{"topic":"t","data":1}'), 'application/json; charset=utf-8'), { topic: 't', data: 1 });
  assert.deepEqual(parseBody(Buffer.from([0x81, 0xa1, 0x61, 0x01]), 'application/x-msgpack'), { a: 1 });
  assert.deepEqual(parseBody(Buffer.from('{"a":2}'), ''), { a: 2 });
  assert.throws(() => parseBody(Buffer.from('"str"'), 'application/json'), code(ErrorCode.BadRequest));
  assert.throws(() => parseBody(Buffer.from('{'), 'text/plain'), code(ErrorCode.BadRequest));
  assert.throws(() => parseBody(Buffer.from([0x93, 1]), 'application/vnd.msgpack'), code(ErrorCode.BadRequest));
});
