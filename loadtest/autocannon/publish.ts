/**
 * autocannon driving `POST /api/publish`, run as its own process by the http-publish scenario (so
 * its CPU is measured apart from the subscribers'). Every request body is msgpack
 * `{topic, data}` with `data` a bin whose first 8 bytes are the time the request was built
 * (µs, monotonic clock), topics round robin: subscribers measure publish → deliver latency from it.
 *
 * Standalone: `node --import tsx loadtest/autocannon/publish.ts --url http://127.0.0.1:9001 --duration 10`
 * prints autocannon's JSON result (the HTTP API answers loopback callers without a key).
 */
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { packValue } from '../../src/protocol/index.js';
import { nowUs } from '../generator/clock.js';
import { newPayload, stampPayload, topicName } from '../dialects/message-scan.js';

/** What the scenario asks for. */
export interface HttpPublishPlan {
  /** `http://127.0.0.1:<port>` */
  url: string;
  connections: number;
  /** Requests in flight per connection. */
  pipelining: number;
  durationSec: number;
  topics: number;
  payloadBytes: number;
}

/** What the process reports back. */
export interface HttpPublishResult {
  requests: number;
  non2xx: number;
  errors: number;
  durationSec: number;
  latencyMs: { p50: number; p99: number; max: number };
}

function run(plan: HttpPublishPlan): Promise<HttpPublishResult> {
  const payload = newPayload(plan.payloadBytes);
  let next = 0;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: plan.url,
        connections: plan.connections,
        pipelining: plan.pipelining,
        duration: plan.durationSec,
        requests: [
          {
            method: 'POST',
            path: '/api/publish',
            headers: { 'content-type': 'application/msgpack' },
            setupRequest(request: Record<string, unknown>) {
              stampPayload(payload, nowUs());
              const topic = topicName(next++ % plan.topics);
              return { ...request, body: Buffer.from(packValue({ topic, data: payload })) };
            },
          },
        ],
      },
      (err: Error | null, result: any) => {
        if (err) {
          reject(err);
          return;
        }
        resolve({
          requests: result.requests.total,
          non2xx: result.non2xx,
          errors: result.errors,
          durationSec: result.duration,
          latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
        });
      },
    );
  });
}

if (process.send) {
  process.once('message', (plan: HttpPublishPlan) => {
    run(plan).then(
      (result) => process.send!({ type: 'done', result }, () => process.exit(0)),
      (err: unknown) => process.send!({ type: 'failed', error: String(err) }, () => process.exit(1)),
    );
  });
  process.on('disconnect', () => process.exit(0));
} else {
  const { values } = parseArgs({ options: { url: { type: 'string' }, connections: { type: 'string' }, pipelining: { type: 'string' }, duration: { type: 'string' }, topics: { type: 'string' }, payload: { type: 'string' } } });
  run({
    url: values.url ?? 'http://127.0.0.1:9001',
    connections: Number(values.connections ?? 20),
    pipelining: Number(values.pipelining ?? 1),
    durationSec: Number(values.duration ?? 10),
    topics: Number(values.topics ?? 10),
    payloadBytes: Number(values.payload ?? 64),
  }).then((result) => process.stdout.write(`${JSON.stringify(result, null, 2)}\n`));
}
