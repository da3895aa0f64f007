/**
 * The operator watch on a mocked clock: what an outage, a flapping engine and a connection count
 * near the descriptor limit write to the log, and that it stays bounded.
 */
import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { pino } from 'pino';
import { parseOpenFileLimit } from '../../../src/server/runtime/descriptor-limit.js';
import { checkDescriptorLimit, watchServer } from '../../../src/server/server-watch.js';

function capture() {
  const lines: Array<{ level: number; msg: string } & Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as never) });
  return { lines, logger };
}

test('parseOpenFileLimit reads the soft limit of /proc/<pid>/limits', () => {
  const text = 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 524288               files\n';
  assert.equal(parseOpenFileLimit(text), 1024);
  assert.equal(parseOpenFileLimit(text.replace('1024 ', 'unlimited')), undefined);
  assert.equal(parseOpenFileLimit('Max processes 10 10 processes\n'), undefined);
});

test('a connection cap the descriptor limit cannot hold is one warning naming both numbers; one it can hold is silent', () => {
  const { lines, logger } = capture();
  checkDescriptorLimit({ descriptorLimit: 1024, maxConnections: 10_000, logger });
  checkDescriptorLimit({ descriptorLimit: 20_000, maxConnections: 10_000, logger });
  checkDescriptorLimit({ descriptorLimit: undefined, maxConnections: 10_000, logger });
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.level, 40);
  assert.equal(lines[0]!.maxConnections, 10_000);
  assert.equal(lines[0]!.openFileLimit, 1024);
  assert.match(lines[0]!.msg, /ulimit -n/);
});

test('an outage: one line when it starts, one with its length when it ends; a flapping engine stays within two lines a minute', (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  let clock = 0;
  const { lines, logger } = capture();
  let ready = true;
  const stop = watchServer({ engineReady: () => ready, connections: () => 0, descriptorLimit: undefined, maxConnections: 10, logger, now: () => clock });
  const tick = (seconds: number) => {
    for (let i = 0; i < seconds; i++) {
      clock += 1000;
      t.mock.timers.tick(1000);
    }
  };
  tick(5);
  ready = false;
  tick(1);
  assert.deepEqual(lines.map((line) => line.msg.split(':')[0]), ['engine unavailable']);
  tick(9);
  ready = true;
  tick(1);
  assert.equal(lines.length, 2);
  assert.equal(lines[1]!.msg, 'engine available again');
  assert.equal(lines[1]!.unavailableMs, 10_000);
  assert.deepEqual(lines.map((line) => line.level), [40, 40], 'the closing line at the level of the one it closes (shown at the default level)');

  // Flapping every second for two minutes: bounded, and never a loss without its recovery.
  for (let i = 0; i < 60; i++) {
    ready = false;
    tick(1);
    ready = true;
    tick(1);
  }
  const flapping = lines.slice(2);
  assert.ok(flapping.length <= 4, `${flapping.length} lines for 60 outages in 2 minutes`);
  const unavailable = flapping.filter((line) => line.msg.startsWith('engine unavailable')).length;
  const again = flapping.filter((line) => line.msg === 'engine available again').length;
  assert.equal(again, unavailable, 'every reported outage is reported over');
  assert.ok(flapping.some((line) => typeof line.earlierOutagesNotLogged === 'number' && line.earlierOutagesNotLogged > 0), 'held-back outages are counted');

  // A long outage that started inside the quiet window is still reported once the window allows.
  ready = false;
  tick(61);
  assert.equal(lines.at(-1)!.msg.startsWith('engine unavailable'), true, 'a lasting outage is in the log however it started');
  stop();
  mock.timers.reset();
});

test('connections near the descriptor limit: one warning a minute, naming the count and the limit', (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  let clock = 0;
  const { lines, logger } = capture();
  let connections = 0;
  // 132 descriptors: room for 100 connections, reported from 90.
  const stop = watchServer({ engineReady: () => true, connections: () => connections, descriptorLimit: 132, maxConnections: 10_000, logger, now: () => clock });
  const tick = (seconds: number) => {
    for (let i = 0; i < seconds; i++) {
      clock += 1000;
      t.mock.timers.tick(1000);
    }
  };
  connections = 89;
  tick(3);
  assert.equal(lines.length, 0);
  connections = 95;
  tick(30);
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.connections, 95);
  assert.equal(lines[0]!.openFileLimit, 132);
  tick(31);
  assert.equal(lines.length, 2, 'again after a minute while it lasts');
  stop();
});
