import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GC_TUNING_ENV, preferSerialScavenge, workerExecArgv } from '../../../../src/server/runtime/gc-settings.js';

function decide(env: Record<string, string>, execArgv: string[]): string[] {
  const set: string[] = [];
  preferSerialScavenge(env, execArgv, (flags) => set.push(flags));
  return set;
}

test('turns parallel scavenge off by default', () => {
  assert.deepEqual(decide({}, []), ['--no-parallel-scavenge']);
  assert.deepEqual(decide({}, ['--enable-source-maps']), ['--no-parallel-scavenge']);
});

test('leaves V8 alone when the environment or the node command line already decided', () => {
  assert.deepEqual(decide({ [GC_TUNING_ENV]: '0' }, []), []);
  assert.deepEqual(decide({}, ['--parallel-scavenge']), []);
  assert.deepEqual(decide({}, ['--no-parallel-scavenge']), []);
  assert.deepEqual(decide({}, ['--parallel_scavenge']), []);
  assert.deepEqual(decide({}, ['--single-threaded-gc']), []);
});

test('workers start with the GC flags, after the node flags the command was given, never overriding one', () => {
  assert.deepEqual(workerExecArgv([], {}), ['--no-memory-reducer', '--no-parallel-scavenge']);
  assert.deepEqual(workerExecArgv(['--enable-source-maps'], {}), ['--enable-source-maps', '--no-memory-reducer', '--no-parallel-scavenge']);
  assert.deepEqual(workerExecArgv(['--memory-reducer'], {}), ['--memory-reducer', '--no-parallel-scavenge']);
  assert.deepEqual(workerExecArgv(['--inspect'], { [GC_TUNING_ENV]: '0' }), ['--inspect']);
});

test('setting the scavenge flag at run time is accepted by this V8', () => {
  // The real setter, in this process: a flag V8 did not know or refused would throw or abort here.
  assert.equal(preferSerialScavenge({}, []), true);
  const garbage: object[] = [];
  for (let i = 0; i < 200_000; i++) garbage.push({ i });
  assert.equal(garbage.length, 200_000);
});
