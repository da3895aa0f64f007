import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RequestTable } from '../../../src/client/requests.js';
import { ErrorCode, RemoteError } from '../../../src/protocol/index.js';

const settle = () => {
  const outcome: { data?: unknown; error?: Error } = {};
  return { outcome, settler: { resolve: (data: unknown) => (outcome.data = data), reject: (error: Error) => (outcome.error = error) } };
};

test('ids are unique, non-zero, and each answer reaches its own caller once', () => {
  const table = new RequestTable();
  const a = settle();
  const b = settle();
  const idA = table.add(a.settler, 1000);
  const idB = table.add(b.settler, 1000);
  assert.ok(idA > 0 && idB > 0 && idA !== idB);
  table.resolve(idB, 'for b');
  table.reject(idA, new Error('for a'));
  table.resolve(idA, 'late duplicate');
  assert.equal(b.outcome.data, 'for b');
  assert.equal(a.outcome.error?.message, 'for a');
  assert.equal(a.outcome.data, undefined);
});

test('an unanswered request times out with TIMEOUT and is forgotten', async () => {
  const table = new RequestTable();
  const { outcome, settler } = settle();
  const id = table.add(settler, 10);
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.ok(outcome.error instanceof RemoteError && outcome.error.code === ErrorCode.Timeout);
  table.resolve(id, 'too late');
  assert.equal(outcome.data, undefined);
});

test('rejectAll fails every waiting request', () => {
  const table = new RequestTable();
  const calls = [settle(), settle(), settle()];
  for (const call of calls) table.add(call.settler, 1000);
  table.rejectAll(new RemoteError(ErrorCode.Disconnected, 'gone'));
  for (const call of calls) assert.equal((call.outcome.error as RemoteError).code, ErrorCode.Disconnected);
});
