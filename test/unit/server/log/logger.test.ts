import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readableLine } from '../../../../src/server/log/logger.js';

test('a pino JSON line becomes one readable line for a terminal', () => {
  const line = JSON.stringify({ level: 40, time: Date.UTC(2026, 0, 2, 3, 4, 5), pid: 1, hostname: 'h', name: 'switchboard', msg: 'anonymous connections allowed', port: 9001 });
  assert.equal(readableLine(line), '03:04:05 WARN anonymous connections allowed {"port":9001}\n');
  assert.equal(readableLine('not json\n'), 'not json\n');
});
