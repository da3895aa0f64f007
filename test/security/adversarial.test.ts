/**
 * Every door of one server driven with the same classes of hostile input (nesting depth, size,
 * invalid UTF-8, odd names, subscribe churn, replays, wrong kinds of token) through one harness
 * (test/security/harness/), judged by one oracle: each door answers what its docs promise, still
 * serves a legitimate request afterwards, and a bystander receiving a publication every 100 ms keeps
 * getting every one, in order, each within a bound. The server is a child process that must still be
 * running, and answer /healthz, at the end. Inputs come from fast-check with logged seeds
 * (FC_SEED=<seed> replays one).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { attack, type Door } from './harness/door.js';
import { CLASSES, hostileSample, type HostileClass } from './harness/hostile.js';
import { backendDoor } from './harness/backend-door.js';
import { httpApiDoor, pusherApiDoor } from './harness/http-doors.js';
import { nativeDoor } from './harness/native-door.js';
import { pusherDoor } from './harness/pusher-door.js';
import { API_KEY, startTarget } from './harness/target.js';
import { startTimedBystander } from './harness/timed-bystander.js';

/** Inputs per (door, class): enough to cross every bound the arbitraries aim at, within the time budget. */
const RUNS: Record<HostileClass, number> = { depth: 20, size: 16, utf8: 10, name: 60, churn: 6, replay: 14, token: 16, types: 40 };

describe('every door under the same hostile classes, one bystander watching', async () => {
  const target = await startTarget();
  const bystander = await startTimedBystander({ url: target.url, http: target.http, apiKey: API_KEY, token: await target.sign({}, { sub: 'bystander' }), topic: 'watch:bystander' });
  const doors: Door[] = [nativeDoor(target, 'msgpack'), nativeDoor(target, 'json'), pusherDoor(target), httpApiDoor(target), pusherApiDoor(target), backendDoor(target)];

  for (const door of doors) {
    for (const cls of CLASSES) {
      const skip = door.notApplicable[cls];
      test(`${door.name}: ${cls}`, { skip }, async () => {
        const findings = await attack(door, hostileSample(door.name, cls, RUNS[cls]));
        await door.afterClass?.(cls);
        await door.stillServes();
        await bystander.check(`${door.name} ${cls}`);
        assert.deepEqual(findings, []);
      });
    }
  }

  test('the server process is still running and answers /healthz', async () => {
    assert.ok(target.alive(), 'switchboard exited');
    const res = await fetch(`${target.http}/healthz`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { status: string }).status, 'ok');
    const report = await bystander.check('the whole suite');
    console.log(`# bystander: ${report.received} publications in order, slowest ${report.maxLatencyMs} ms`);
  });
  after(() => assert.ok(target.alive(), 'switchboard exited'));
});
