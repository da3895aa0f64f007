/**
 * The front plug-ins as createServer lists them: what each brings before the core exists (wire
 * formats, metrics) and what a Pusher plug-in without apps brings once started (nothing: no route,
 * no format to encode, but its documented series, reading zero).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FrontContext } from '../../../../src/server/fronts/front.js';
import { SWITCHBOARD_WIRES } from '../../../../src/server/fronts/switchboard/formats.js';
import { switchboardPlugin } from '../../../../src/server/fronts/switchboard/plugin.js';
import { pusherPlugin } from '../../../../src/server/fronts/pusher/plugin.js';
import { pusherWire } from '../../../../src/server/fronts/pusher/wire.js';
import type { MetricRegistrar } from '../../../../src/server/http/metrics.js';
import type { HttpRouter } from '../../../../src/server/transport/http.js';

/** A registrar that records each series and reads it once. */
function recordingRegistrar(): { registrar: MetricRegistrar; series: Map<string, number> } {
  const series = new Map<string, number>();
  const add = (name: string, _help: string, read: () => number) => void series.set(name, read());
  return { registrar: { counter: add, gauge: add }, series };
}

/** A router no route may be registered on. */
const untouchedRouter = new Proxy({} as HttpRouter, {
  get: (_target, method) => () => assert.fail(`route registered with ${String(method)}`),
});

test('the native plug-in brings its two formats and no series of its own', () => {
  const native = switchboardPlugin();
  assert.deepEqual(native.wires, SWITCHBOARD_WIRES);
  const { registrar, series } = recordingRegistrar();
  native.metrics(registrar);
  assert.equal(series.size, 0);
});

test('the Pusher plug-in with apps brings the Pusher format', () => {
  assert.deepEqual(pusherPlugin({ apps: [{ id: '1', key: 'k', secret: 's' }] }).wires, [pusherWire]);
});

test('without apps, the Pusher plug-in brings no format and no route, but its webhook series at zero', async () => {
  const pusher = pusherPlugin(undefined);
  assert.deepEqual(pusher.wires, []);
  const { registrar, series } = recordingRegistrar();
  pusher.metrics(registrar);
  assert.deepEqual(Object.fromEntries(series), {
    switchboard_pusher_webhook_events_sent_total: 0,
    switchboard_pusher_webhook_events_failed_total: 0,
    switchboard_pusher_webhook_events_dropped_total: 0,
    switchboard_pusher_webhook_retries_total: 0,
  });
  // Off, it reads nothing of the server's parts.
  const started = pusher.start({} as FrontContext);
  assert.deepEqual(started.sockets, []);
  started.routes(untouchedRouter);
  await started.close();
});
