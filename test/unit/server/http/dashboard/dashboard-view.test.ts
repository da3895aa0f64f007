import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readSamples } from '../../../../../src/server/http/dashboard/exposition.js';
import { dashboardView } from '../../../../../src/server/http/dashboard/dashboard-view.js';

const BOX = `# HELP switchboard_connections Open WebSocket connections
# TYPE switchboard_connections gauge
switchboard_connections{worker="2"} 3
switchboard_connections{worker="10"} 4
switchboard_connections{worker="1"} 5
# TYPE switchboard_publications_total counter
switchboard_publications_total{worker="1"} 100
switchboard_publications_total{worker="2"} 50
switchboard_publications_total{worker="10"} 7
switchboard_engine_ready{worker="1"} 1
switchboard_engine_ready{worker="2"} 0
switchboard_process_cpu_seconds_total{worker="1"} 9
switchboard_top_topic_publications_per_second{topic="a",worker="1"} 2
switchboard_top_topic_publications_per_second{worker="2",topic="b"} 3
switchboard_top_topic_publications_per_second{topic="a",worker="2"} 2
`;

test('per worker, ordered by id, with the top topics summed over the box', () => {
  const view = dashboardView(BOX, 42);
  assert.equal(view.at, 42);
  assert.deepEqual(view.workers.map((w) => [w.worker, w.connections, w.publications, w.engineReady]), [
    ['1', 5, 100, 1],
    ['2', 3, 50, 0],
    ['10', 4, 7, 0],
  ]);
  assert.deepEqual(view.topTopics, [
    { topic: 'a', perSecond: 4 },
    { topic: 'b', perSecond: 3 },
  ]);
});

test('one server without workers is one entry with worker null', () => {
  const view = dashboardView('switchboard_connections 2\nswitchboard_deliveries_total 9\n', 1);
  assert.deepEqual(view.workers.map((w) => [w.worker, w.connections, w.deliveries]), [[null, 2, 9]]);
});

test('label values keep their escapes and odd characters; broken lines are skipped', () => {
  const samples = readSamples(
    ['t{topic="a\\"b\\\\c\\nd,}e",worker="1"} 5', 't{topic="open 1', 't 1e3', 't NaN', 'other 1'].join('\n'),
    new Set(['t']),
  );
  assert.deepEqual(samples, [
    { name: 't', labels: { topic: 'a"b\\c\nd,}e', worker: '1' }, value: 5 },
    { name: 't', labels: {}, value: 1000 },
  ]);
});
