import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWorkers, workersRefusal } from '../../../../src/server/cluster/workers-option.js';
import { OptionsError } from '../../../../src/protocol/errors.js';

test('workers: "auto" is one per core; integers 1..1024 from flags, env or JSON; anything else names the key', () => {
  assert.equal(parseWorkers('auto', '--workers', () => 6), 6);
  assert.equal(parseWorkers('3', '--workers'), 3);
  assert.equal(parseWorkers(4, 'workers'), 4);
  for (const bad of ['0', '-1', '2.5', 'many', '', 1025, null, true]) {
    assert.throws(() => parseWorkers(bad, 'workers'), (err: unknown) => err instanceof OptionsError && /workers/.test(err.message), String(bad));
  }
});

test('workers need Redis and a fixed port', () => {
  assert.match(workersRefusal({ port: 9001 }) ?? '', /needs the Redis engine/);
  assert.match(workersRefusal({ redis: { url: 'redis://x' }, port: 0 }) ?? '', /fixed port/);
  assert.equal(workersRefusal({ redis: { url: 'redis://x' }, port: 9001 }), undefined);
});
