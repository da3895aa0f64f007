/**
 * loadtest/report/drain-summary.ts: the drain scenario's verdict from the generator workers' reconnect
 * reports and the supervisor's events. Fixture reports, no network: a clean rolling restart is
 * "every client recovered"; any close code but 1012, a gap, a client still down, a resubscribe
 * without recovery or a lost message is not.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summariseDrain, type DrainInputs } from '../../loadtest/report/drain-summary.js';
import { encodeHistogram, newHistogram } from '../../loadtest/generator/histogram.js';
import type { ReconnectReport } from '../../loadtest/generator/ipc.js';

const T0 = 1_000_000_000; // µs, when the signal went out

function histogram(ms: number[]): string {
  const h = newHistogram();
  for (const value of ms) h.recordValue(value * 1000);
  return encodeHistogram(h);
}

function report(overrides: Partial<ReconnectReport> = {}): ReconnectReport {
  return {
    closeCodes: { '1012': 3 },
    byWorker: {
      '1': { closes: 2, clients: 2, firstUs: T0 + 600_000, lastUs: T0 + 2_000_000 },
      '2': { closes: 1, clients: 1, firstUs: T0 + 5_000_000, lastUs: T0 + 5_000_000 },
    },
    disconnects: 3,
    clientsAffected: 2,
    resubscribed: 3,
    notRecovered: 0,
    redialFailures: 0,
    down: 0,
    clientsWithGap: 0,
    resubscribeHistogram: histogram([20, 40, 60]),
    openByWorker: { '1': 1, '2': 1 },
    ackedPerTopic: [],
    unacked: 0,
    ...overrides,
  };
}

const inputs = (reports: ReconnectReport[], lost = 0): DrainInputs => ({
  trigger: 'SIGHUP to the supervisor (rolling restart of 2 workers)',
  drainMs: 2000,
  workers: 2,
  triggeredUs: T0,
  reports,
  events: [
    { atUs: T0 + 2_100_000, type: 'exited', worker: '1', pid: 4711, line: 'supervisor: worker 1 (pid 4711) exited (code 0)' },
    { atUs: T0 + 5_200_000, type: 'exited', worker: '2', pid: 4712, line: 'supervisor: worker 2 (pid 4712) exited (code 0)' },
  ],
  lost,
});

describe('summariseDrain', () => {
  it('merges the workers per drained worker and calls a clean restart recovered', () => {
    const publisher = report({ closeCodes: { '1012': 1 }, byWorker: { '2': { closes: 1, clients: 1, firstUs: T0 + 4_900_000, lastUs: T0 + 4_900_000 } }, disconnects: 1, clientsAffected: 1, resubscribed: 1, resubscribeHistogram: histogram([10]), ackedPerTopic: [5, 4], unacked: 1 });
    const d = summariseDrain(inputs([report(), publisher]));
    assert.deepEqual(d.closeCodes, { '1012': 4 });
    assert.deepEqual(d.unexpectedCloseCodes, {});
    assert.equal(d.disconnects, 4);
    assert.equal(d.clientsAffected, 3);
    assert.deepEqual(d.published, { acked: 9, unacked: 1 });
    assert.deepEqual(d.drains.map((w) => [w.worker, w.pid, w.clients, w.firstCloseMs, w.lastCloseMs, w.durationMs, w.exitedMs, w.untilExitMs]), [
      ['1', 4711, 2, 600, 2000, 1400, 2100, 1500],
      ['2', 4712, 2, 4900, 5000, 100, 5200, 300],
    ]);
    assert.equal(d.resubscribeMs.count, 4);
    assert.ok(Math.abs(d.resubscribeMs.max - 60) < 0.1, `max ${d.resubscribeMs.max} ms (hdr precision)`);
    assert.equal(d.everyClientRecovered, true);
  });

  it('anything but 1012, a gap, a client still down, no recovery or a loss is not a clean drain', () => {
    const bad: Array<[string, DrainInputs]> = [
      ['1006', inputs([report({ closeCodes: { '1012': 2, '1006': 1 } })])],
      ['gap', inputs([report({ clientsWithGap: 1 })])],
      ['down', inputs([report({ down: 1, resubscribed: 2 })])],
      ['not recovered', inputs([report({ notRecovered: 1 })])],
      ['lost', inputs([report()], 7)],
      ['nothing drained', inputs([report({ closeCodes: {}, byWorker: {}, disconnects: 0, clientsAffected: 0, resubscribed: 0 })])],
    ];
    for (const [why, input] of bad) assert.equal(summariseDrain(input).everyClientRecovered, false, why);
    assert.deepEqual(summariseDrain(bad[0]![1]).unexpectedCloseCodes, { '1006': 1 });
  });
});
