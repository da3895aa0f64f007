/**
 * k6 capacity test for Switchboard: ramps to CONNECTIONS WebSocket connections (ramping-vus, one
 * connection per VU), each subscribed to TOPICS_PER_CONNECTION of TOPICS topics plus a shared
 * heartbeat topic; holds them; and while all are connected publishes a heartbeat every
 * HEARTBEAT_EVERY through POST /api/publish, to prove every connection is alive. Reports connect
 * time (upgrade to Welcome frame), subscribe time, connection failures and heartbeat loss.
 *
 *   k6 run -e WS_URL=ws://127.0.0.1:9001/ -e CONNECTIONS=5000 -e RAMP=60s -e HOLD=30s loadtest/k6/capacity.js
 *
 * Parameters (__ENV, all optional): WS_URL, HTTP_URL (default: same host as WS_URL), CONNECTIONS,
 * TOPICS, TOPICS_PER_CONNECTION, RAMP, HOLD, DRAIN, HEARTBEAT_EVERY (durations like 30s), TOPIC_PREFIX,
 * API_KEY (HTTP API bearer key), TOKEN (connection JWT), CONNECT_P95_MS (threshold). Written for
 * k6 ≥ 0.50; see README.md. One k6 process is itself limited by its open-file limit (ulimit -n).
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
const CONNECTIONS = intParam(__ENV, 'CONNECTIONS', 1000);
const TOPICS = Math.max(1, intParam(__ENV, 'TOPICS', 100));
const TOPICS_PER_CONNECTION = Math.min(TOPICS, intParam(__ENV, 'TOPICS_PER_CONNECTION', 1));
const RAMP_MS = durationMs(__ENV.RAMP, '30s');
const HOLD_MS = durationMs(__ENV.HOLD, '30s');
// How long subscribers stay after the hold, for messages still on their way (a loaded box delays them).
const DRAIN_MS = durationMs(__ENV.DRAIN, '500ms');
const HEARTBEAT_MS = durationMs(__ENV.HEARTBEAT_EVERY, '1s');
const TOPIC_PREFIX = __ENV.TOPIC_PREFIX || 'k6:capacity:';
const HEARTBEAT_TOPIC = `${TOPIC_PREFIX}heartbeat`;
const CONNECT_P95_MS = intParam(__ENV, 'CONNECT_P95_MS', 1000);
// Heartbeats start this long after the ramp (every connection is up) and stop this long before
// the connections close, so each connection must see all of them.
const SETTLE_MS = 1000;
// constant-arrival-rate starts one heartbeat at the start of every HEARTBEAT_MS of its duration.
const EXPECTED_HEARTBEATS = Math.ceil((HOLD_MS - 2 * SETTLE_MS) / HEARTBEAT_MS);
if (HOLD_MS < 2 * SETTLE_MS + HEARTBEAT_MS) throw new Error('HOLD must leave room for at least one heartbeat (HOLD >= 2s + HEARTBEAT_EVERY)');

const wsParams = __ENV.TOKEN ? { headers: { Authorization: `Bearer ${__ENV.TOKEN}` } } : {};
const publishHeaders = { 'Content-Type': 'application/json' };
if (__ENV.API_KEY) publishHeaders.Authorization = `Bearer ${__ENV.API_KEY}`;

export const options = {
  scenarios: {
    connections: {
      executor: 'ramping-vus',
      exec: 'connection',
      startVUs: 0,
      stages: [
        { duration: `${RAMP_MS}ms`, target: CONNECTIONS },
        { duration: `${HOLD_MS}ms`, target: CONNECTIONS },
      ],
      gracefulStop: '10s',
    },
    heartbeat: {
      executor: 'constant-arrival-rate',
      exec: 'heartbeat',
      rate: 1,
      timeUnit: `${HEARTBEAT_MS}ms`,
      startTime: `${RAMP_MS + SETTLE_MS}ms`,
      duration: `${HOLD_MS - 2 * SETTLE_MS}ms`,
      preAllocatedVUs: 1,
      maxVUs: 2,
    },
  },
  thresholds: {
    switchboard_connect_time: [`p(95)<${CONNECT_P95_MS}`],
    switchboard_connection_failures: ['count==0'],
    switchboard_heartbeats_lost: ['count==0'],
    switchboard_protocol_errors: ['count==0'],
    checks: ['rate>0.99'],
    http_req_failed: ['rate<0.01'],
  },
};

const connectTime = new Trend('switchboard_connect_time', true);
const subscribeTime = new Trend('switchboard_subscribe_time', true);
const connected = new Counter('switchboard_connections_established');
const failures = new Counter('switchboard_connection_failures');
const heartbeats = new Counter('switchboard_heartbeats_received');
const heartbeatsLost = new Counter('switchboard_heartbeats_lost');
const protocolErrors = new Counter('switchboard_protocol_errors');

/** The topics of connection `vu`: TOPICS_PER_CONNECTION consecutive ones, spread over TOPICS. */
function topicsFor(vu) {
  const topics = [HEARTBEAT_TOPIC];
  for (let i = 0; i < TOPICS_PER_CONNECTION; i++) topics.push(TOPIC_PREFIX + ((vu * TOPICS_PER_CONNECTION + i) % TOPICS));
  return topics;
}

/** One connection held until the end of the hold stage. */
export function connection() {
  const closeAt = exec.scenario.startTime + RAMP_MS + HOLD_MS + DRAIN_MS;
  const tracker = new SeqTracker();
  const opened = Date.now();
  let welcomed = false;
  let subscribed = false;
  let subscribeSent = 0;

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
        connected.add(1);
        connectTime.add(Date.now() - opened);
        subscribeSent = Date.now();
        ws.send(subscribeFrame(1, topicsFor(exec.vu.idInTest)));
      } else if (frame[0] === Kind.Reply && frame[1] === 1) {
        subscribed = true;
        subscribeTime.add(Date.now() - subscribeSent);
      } else if (frame[0] === Kind.Message && frame[1] === HEARTBEAT_TOPIC) {
        heartbeats.add(1);
        const before = tracker.lost;
        tracker.see(frame[1], frame[2]);
        if (tracker.lost > before) heartbeatsLost.add(tracker.lost - before);
      } else if (frame[0] === Kind.Error) {
        protocolErrors.add(1);
      }
    }
  });
  ws.addEventListener('close', () => {
    if (!welcomed) failures.add(1);
    check(tracker, {
      'connected (welcome received)': () => welcomed,
      'subscribed': () => subscribed,
      // Short of the expected count: a heartbeat missed, or one was never sent (see dropped_iterations).
      'every heartbeat received': (t) => t.received >= EXPECTED_HEARTBEATS,
    });
  });
  setTimeout(() => ws.close(), Math.max(0, closeAt - Date.now()));
}

/** One heartbeat publication to the topic every connection listens on. */
export async function heartbeat() {
  const body = JSON.stringify({ topic: HEARTBEAT_TOPIC, data: { t: Date.now() } });
  const res = await http.asyncRequest('POST', `${HTTP_URL}/api/publish`, body, { headers: publishHeaders });
  check(res, { 'heartbeat published': (r) => r.status === 200 });
}
