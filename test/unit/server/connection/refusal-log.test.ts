import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRefusalLog } from '../../../../src/server/connection/refusal-log.js';
import { refusalCloseCode } from '../../../../src/server/connection/upgrade.js';
import { AuthError, ErrorCode, SwitchboardError } from '../../../../src/protocol/index.js';

test('the first refusal per close code is logged at once, then one line per interval with the count in between', () => {
  const lines: Array<{ fields: Record<string, unknown>; message: string }> = [];
  let now = 0;
  const log = createRefusalLog({ warn: ((fields: Record<string, unknown>, message: string) => void lines.push({ fields, message })) as never }, 10_000, () => now);
  log(4504, 'invalid token', '10.0.0.1');
  for (let i = 0; i < 50; i++) log(4504, 'invalid token', '10.0.0.2');
  log(4505, 'origin not allowed', '10.0.0.3');
  now = 10_000;
  log(4504, 'invalid token', '10.0.0.4');
  assert.deepEqual(lines.map((line) => line.message), ['upgrade refused: invalid token (close 4504)', 'upgrade refused: origin not allowed (close 4505)', 'upgrade refused: invalid token (close 4504)']);
  assert.equal(lines[2]!.fields.alsoRefusedSinceLastLine, 50);
  assert.equal(lines[0]!.fields.remoteAddress, '10.0.0.1');
});

test('refusal close codes follow docs/protocol.md §1.5', () => {
  assert.equal(refusalCloseCode(new AuthError(ErrorCode.Unauthorized, 'invalid token')), 4504);
  assert.equal(refusalCloseCode(new AuthError(ErrorCode.TokenExpired, 'token expired')), 4001);
  assert.equal(refusalCloseCode(new AuthError(ErrorCode.Forbidden, 'banned')), 4503);
  assert.equal(refusalCloseCode(new SwitchboardError(ErrorCode.Timeout, 'slow')), 4004);
  assert.equal(refusalCloseCode(new Error('hook crashed')), 4504);
});
