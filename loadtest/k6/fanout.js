/**
 * k6 fan-out test for Switchboard: SUBSCRIBERS WebSocket connections (ramped up with ramping-vus)
 * spread over TOPICS topics, while an HTTP publisher posts RATE publications per second in total
 * (constant-arrival-rate, so the schedule does not slow down when the server does) to
 * POST /api/publish. Every publication carries its send time; subscribers record
 * publish→deliver latency and check per-topic sequence numbers for loss and duplicates.
 *
 *   k6 run -e WS_URL=ws://127.0.0.1:9001/ -e SUBSCRIBERS=200 -e TOPICS=10 -e RATE=200 loadtest/k6/fanout.js
 *
 * Parameters (__ENV, all optional): WS_URL, HTTP_URL (default: same host as WS_URL), SUBSCRIBERS,
 * TOPICS, RATE (publications/s in total), PAYLOAD (padding bytes per publication), RAMP, HOLD, DRAIN
 * (durations like 10s), TOPIC_PREFIX, API_KEY (HTTP API bearer key), TOKEN (connection JWT),
 * P99_MS (latency threshold). Written for k6 ≥ 0.50 (k6/experimental/websockets, k6/timers,
 * async functions); see README.md.
 */
import { check } from 'k6';
import exec from 'k6/execution';
import { WebSocket } from 'k6/experimental/websockets';
import http from 'k6/http';
import { Counter, Trend } from 'k6/metrics';
import { setTimeout } from 'k6/timers';
import { JSON_SUBPROTOCOL, Kind, SeqTracker, durationMs, httpBaseFor, intParam, parseFrames, subscribeFrame } from './lib/switchboard.js';

const WS_URL = __ENV.WS_URL || 'ws://127.0.0.1:9001/';
const HTTP_URL = __ENV.HTTP_URL || httpBaseFor(WS_URL);
const SUBSCRIBERS = intParam(__ENV, 'SUBSCRIBERS', 100);
const TOPICS = Math.max(1, intParam(__ENV, 'TOPICS', 10));
const RATE = intParam(__ENV, 'RATE', 100);
const PAYLOAD = intParam(__ENV, 'PAYLOAD', 64);
const RAMP_MS = durationMs(__ENV.RAMP, '10s');
const HOLD_MS = durationMs(__ENV.HOLD, '30s');
// How long subscribers stay after the hold, for messages still on their way (a loaded box delays them).
const DRAIN_MS = durationMs(__ENV.DRAIN, '500ms');
const TOPIC_PREFIX = __ENV.TOPIC_PREFIX || 'k6:fanout:';
const P99_MS = intParam(__ENV, 'P99_MS', 50);
// Publishing starts this long after the ramp and stops this long before the subscribers leave, so
// every publication has its subscribers in place and no tail message is cut off by a close.
const SETTLE_MS = 1000;
if (HOLD_MS < 3 * SETTLE_MS) throw new Error('HOLD must be at least 3s');

const wsParams = __ENV.TOKEN ? { headers: { Authorization: `Bearer ${__ENV.TOKEN}` } } : {};
const publishHeaders = { 'Content-Type': 'application/json' };
if (__ENV.API_KEY) publishHeaders.Authorization = `Bearer ${__ENV.API_KEY}`;
const PAD = 'x'.repeat(PAYLOAD);

export const options = {
  scenarios: {
    subscribers: {
      executor: 'ramping-vus',
      exec: 'subscriber',
      startVUs: 0,
      stages: [
        { duration: `${RAMP_MS}ms`, target: SUBSCRIBERS },
        { duration: `${HOLD_MS}ms`, target: SUBSCRIBERS },
      ],
      // Each subscriber closes itself just after the last stage; this only bounds stragglers.
      gracefulStop: '10s',
    },
    publisher: {
      executor: 'constant-arrival-rate',
      exec: 'publish',
      rate: RATE,
      timeUnit: '1s',
      startTime: `${RAMP_MS + SETTLE_MS}ms`,
      duration: `${HOLD_MS - 2 * SETTLE_MS}ms`,
      preAllocatedVUs: Math.max(2, Math.ceil(RATE / 50)),
      maxVUs: Math.max(10, Math.ceil(RATE / 5)),
    },
  },
  thresholds: {
    switchboard_deliver_latency: [`p(99)<${P99_MS}`],
    switchboard_messages_lost: ['count==0'],
    switchboard_messages_duplicated: ['count==0'],
    switchboard_messages_out_of_order: ['count==0'],
    switchboard_protocol_errors: ['count==0'],
    checks: ['rate>0.99'],
    http_req_failed: ['rate<0.01'],
  },
};

const deliverLatency = new Trend('switchboard_deliver_latency', true);
const connectTime = new Trend('switchboard_connect_time', true);
const received = new Counter('switchboard_messages_received');
const lost = new Counter('switchboard_messages_lost');
const duplicated = new Counter('switchboard_messages_duplicated');
const outOfOrder = new Counter('switchboard_messages_out_of_order');
const protocolErrors = new Counter('switchboard_protocol_errors');

/** One subscriber connection for the length of the test: subscribe, then count and time messages. */
export function subscriber() {
  const topic = TOPIC_PREFIX + (exec.vu.idInTest % TOPICS);
  const closeAt = exec.scenario.startTime + RAMP_MS + HOLD_MS + DRAIN_MS;
  const tracker = new SeqTracker();
  const opened = Date.now();
  let welcomed = false;
  let subscribed = false;

  const ws = new WebSocket(WS_URL, JSON_SUBPROTOCOL, wsParams);
  ws.addEventListener('message', (event) => {
    let frames;
    try {
      frames = parseFrames(event.data);
    } catch (err) {
      protocolErrors.add(1);
      return;
    }
    for (const frame of frames) {
      if (frame[0] === Kind.Welcome) {
        welcomed = true;
        connectTime.add(Date.now() - opened);
        ws.send(subscribeFrame(1, [topic]));
      } else if (frame[0] === Kind.Reply && frame[1] === 1) {
        subscribed = true;
      } else if (frame[0] === Kind.Message) {
        const data = frame[3];
        if (data && typeof data.t === 'number') deliverLatency.add(Date.now() - data.t);
        received.add(1);
        const before = { lost: tracker.lost, duplicated: tracker.duplicated, outOfOrder: tracker.outOfOrder };
        tracker.see(frame[1], frame[2]);
        if (tracker.lost > before.lost) lost.add(tracker.lost - before.lost);
        if (tracker.duplicated > before.duplicated) duplicated.add(1);
        if (tracker.outOfOrder > before.outOfOrder) outOfOrder.add(1);
      } else if (frame[0] === Kind.Error) {
        protocolErrors.add(1);
      }
    }
  });
  ws.addEventListener('close', () => {
    check(tracker, {
      'welcome received': () => welcomed,
      'subscribe acknowledged': () => subscribed,
      'messages received': (t) => t.received > 0,
    });
  });
  setTimeout(() => ws.close(), Math.max(0, closeAt - Date.now()));
}

/** One publication through the HTTP API, topics in turn, carrying its send time. */
export async function publish() {
  const topic = TOPIC_PREFIX + (exec.scenario.iterationInTest % TOPICS);
  const body = JSON.stringify({ topic, data: { t: Date.now(), pad: PAD } });
  const res = await http.asyncRequest('POST', `${HTTP_URL}/api/publish`, body, { headers: publishHeaders });
  check(res, {
    'publish status 200': (r) => r.status === 200,
    'publish assigned a seq': (r) => r.status === 200 && r.json().seq > 0,
  });
}
