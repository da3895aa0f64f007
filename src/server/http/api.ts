/**
 * The HTTP API for backends, on the same port as the WebSockets: the route table. Publishing
 * (publish, broadcast, topic info) is here; control, history and operations routes are in their
 * own files. Bodies are JSON or msgpack (by Content-Type); errors are `{error, code}`.
 */
import type { Registry } from 'prom-client';
import type { ResolvedOptions } from '../config/options.js';
import type { ClientAddressResolver } from '../connection/client-address.js';
import type { Control } from '../core/control.js';
import type { Publisher } from '../core/publisher.js';
import type { TopicCore } from '../core/topic-core.js';
import type { TrafficCounters } from '../core/traffic.js';
import type { HttpRouter } from '../transport.js';
import { registerControlRoutes } from './control-routes.js';
import { createGuarded } from './guard.js';
import { registerHistoryRoute } from './history-route.js';
import { registerOperationsRoutes } from './operations-routes.js';
import { bad, readIdempotencyKey, readObject, readTopics, requireData, topicParameter } from './request.js';

export interface HttpApiDeps {
  router: HttpRouter;
  core: TopicCore;
  publisher: Publisher;
  control: Control;
  options: ResolvedOptions;
  metrics: Registry;
  traffic: TrafficCounters;
  /** Open connections (for /healthz). */
  connections: () => number;
  /** Whether the engine can publish now (for /readyz). */
  engineReady: () => boolean;
  startedAt: number;
  clientAddress: ClientAddressResolver;
  onUnexpected: (error: Error) => void;
}

/** Registers every HTTP route. */
export function registerHttpApi(deps: HttpApiDeps): void {
  const { router, core, publisher, options, traffic } = deps;
  const guarded = createGuarded({ ...options, clientAddress: deps.clientAddress, traffic, onUnexpected: deps.onUnexpected });
  const maxBody = options.maxHttpBodyBytes;

  router.post('/api/publish', guarded(async (exchange, request) => {
    const body = await readObject(exchange, request, maxBody);
    if (typeof body.topic !== 'string') throw bad('"topic" must be a string');
    const data = requireData(body);
    const { seq, duplicate } = await publisher.publish(body.topic, data, { idempotencyKey: readIdempotencyKey(body, request) });
    if (duplicate) return exchange.json('200 OK', { ok: true, seq, duplicate: true });
    traffic.httpPublishes++;
    exchange.json('200 OK', { ok: true, seq });
  }));

  router.post('/api/broadcast', guarded(async (exchange, request) => {
    const body = await readObject(exchange, request, maxBody);
    const topics = readTopics(body);
    const results = await publisher.broadcast(topics, requireData(body), { idempotencyKey: readIdempotencyKey(body, request) });
    traffic.httpPublishes += results.filter((result) => !result.duplicate).length;
    exchange.json('200 OK', { ok: true, seqs: results.map((result) => result.seq) });
  }));

  router.get('/api/topics/:topic', guarded((exchange, request) => {
    const topic = topicParameter(request);
    exchange.json('200 OK', { topic, subscribers: core.subscriberCount(topic) });
  }));

  registerControlRoutes({ router, control: deps.control, guarded, maxBody });
  registerHistoryRoute({ router, core, maxReplayMessages: options.maxReplayMessages, guarded });
  registerOperationsRoutes({ router, guarded, metrics: deps.metrics, connections: deps.connections, engineReady: deps.engineReady, startedAt: deps.startedAt });

  router.any('/*', (exchange) => {
    exchange.json('404 Not Found', { error: 'no such route', code: 'NOT_FOUND' });
  });
}
