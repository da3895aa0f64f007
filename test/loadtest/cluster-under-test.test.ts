/**
 * What the harness reads from a cluster under test: the supervisor's stdout lines (its events) and
 * the box's /metrics (connections per worker). Both are copies of formats owned by
 * src/server/cluster/supervisor.ts and src/server/http/metrics.ts; these fixtures are the lines
 * those files print today, and test/loadtest/cluster.test.ts reads the real ones.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clusterEvent, connectionsFromMetrics } from '../../loadtest/targets/cluster-under-test.js';

describe('supervisor lines', () => {
  it('turns worker and rolling-restart lines into events and ignores the rest', () => {
    assert.deepEqual(clusterEvent('supervisor: worker 2 (pid 4711) ready', 5), { atUs: 5, type: 'ready', worker: '2', pid: 4711, line: 'supervisor: worker 2 (pid 4711) ready' });
    assert.equal(clusterEvent('supervisor: worker 1 (pid 4712) exited (code 0)', 6)?.type, 'exited');
    assert.equal(clusterEvent('supervisor: worker 3 (pid 4713) died (signal SIGKILL); restarting in 100 ms', 7)?.type, 'died');
    assert.equal(clusterEvent('supervisor: rolling restart done', 8)?.type, 'restart-done');
    assert.equal(clusterEvent("supervisor: rolling restart stopped: worker 1's replacement did not report ready within 30000 ms; the old worker keeps serving", 9)?.type, 'restart-stopped');
    assert.equal(clusterEvent('supervisor: SIGHUP: rolling restart, one worker at a time', 10), undefined);
    assert.equal(clusterEvent('{"level":50,"worker":"1","msg":"engine down"}', 11), undefined);
  });
});

describe('/metrics', () => {
  it('reads switchboard_connections per worker label and nothing else', () => {
    const text = [
      '# HELP switchboard_connections Open WebSocket connections',
      '# TYPE switchboard_connections gauge',
      'switchboard_connections{worker="1"} 153',
      'switchboard_connections{worker="2"} 158',
      'switchboard_connections_opened_total{worker="1"} 900',
      'switchboard_connections{namespace="x",worker="3"} 7',
    ].join('\n');
    assert.deepEqual(connectionsFromMetrics(text), { '1': 153, '2': 158, '3': 7 });
  });
});
