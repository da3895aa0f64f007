import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLOSE_TABLE, CloseCode, ERROR_TABLE, ErrorCode, closeInfo, errorInfo, errorName, shouldReconnect } from '../../../src/protocol/index.js';

test('every error code has exactly one documented row with a unique name', () => {
  const codes = Object.values(ErrorCode);
  assert.equal(ERROR_TABLE.length, codes.length);
  for (const code of codes) assert.ok(errorInfo(code), `row for ${code}`);
  assert.equal(new Set(ERROR_TABLE.map((row) => row.name)).size, ERROR_TABLE.length);
  assert.equal(errorName(ErrorCode.InvalidTopic), 'INVALID_TOPIC');
  assert.equal(errorName(999), 'UNKNOWN');
});

test('every close code has a row, and app codes sit in the range that matches their retry flag', () => {
  const codes = Object.values(CloseCode);
  assert.equal(CLOSE_TABLE.length, codes.length);
  for (const code of codes) {
    const row = closeInfo(code);
    assert.ok(row, `row for ${code}`);
    if (code >= 4000 && code < 4500) assert.equal(row.retry, true, `${code} is in the reconnect range`);
    if (code >= 4500) assert.equal(row.retry, false, `${code} is in the terminal range`);
  }
});

test('shouldReconnect follows the table, then the ranges', () => {
  assert.equal(shouldReconnect(CloseCode.GoingAway), true);
  assert.equal(shouldReconnect(CloseCode.Normal), false);
  assert.equal(shouldReconnect(CloseCode.MessageTooBig), false);
  assert.equal(shouldReconnect(CloseCode.ProtocolViolation), false);
  assert.equal(shouldReconnect(1006), true);
  assert.equal(shouldReconnect(4123), true);
  assert.equal(shouldReconnect(4777), false);
});
