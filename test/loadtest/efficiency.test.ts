/** Server CPU per delivery (loadtest/report/efficiency.ts) from /proc readings, parsed from fixture text. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serverEfficiency } from '../../loadtest/report/efficiency.js';
import { parseProc } from '../../loadtest/targets/proc-stats.js';

// /proc/<pid>/stat of a node process, before and after a window: utime 1200 → 1450 ticks,
// stime 300 → 400 (350 ticks = 3.5 s at 100 ticks/s). The command name has a space and a ')'.
const stat = (utime: number, stime: number) =>
  `4242 (node (srv) x) S 4200 4242 4200 0 -1 4194560 52341 0 0 0 ${utime} ${stime} 0 0 20 0 11 0 123456 1234567890 23456 18446744073709551615 1 1 0 0 0 0 0 16781312 134234626 0 0 0 17 1 0 0 0 0 0`;
const status = (kb: number) => `Name:\tnode\nVmPeak:\t 1000000 kB\nVmRSS:\t ${kb} kB\nThreads:\t11\n`;

describe('serverEfficiency', () => {
  it('turns two /proc readings and the deliveries between them into µs per delivery and deliveries per core-second', () => {
    const before = parseProc(status(60_000), stat(1200, 300), 100);
    const after = parseProc(status(61_000), stat(1450, 400), 100);
    assert.equal(before.rssBytes, 60_000 * 1024);
    assert.equal(before.cpuSeconds, 15);
    const efficiency = serverEfficiency(before, after, 1_000_000);
    assert.ok(Math.abs(efficiency.serverCpuSec! - 3.5) < 1e-9);
    assert.ok(Math.abs(efficiency.cpuUsPerDelivery! - 3.5) < 1e-9, '3.5 s of CPU for 1 M deliveries is 3.5 µs each');
    assert.ok(Math.abs(efficiency.deliveriesPerCoreSec! - 1_000_000 / 3.5) < 1e-6);
  });

  it('says null rather than 0 when there is nothing to divide', () => {
    const reading = parseProc(status(1), stat(10, 10), 100);
    assert.deepEqual(serverEfficiency(undefined, reading, 100), { serverCpuSec: null, cpuUsPerDelivery: null, deliveriesPerCoreSec: null });
    assert.equal(serverEfficiency(reading, reading, 100).cpuUsPerDelivery, null, 'no tick passed: too little to see, not free');
    assert.equal(serverEfficiency(reading, parseProc(status(1), stat(20, 10), 100), 0).cpuUsPerDelivery, null);
  });
});
