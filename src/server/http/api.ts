/**
 * The HTTP API for backends, on the same port as the WebSockets: the route table. Publishing
 * (publish, broadcast, topic info) is here; control, history and operations routes are in their
 * own files. Bodies are JSON or msgpack (by Content-Type); errors are `{error, code}`.
 */
import type { Tags } from '../../protocol/tags.js';
import type { Registry } from 'prom-client';
import type { ClientAddressResolver } from '../connection/client-address.js';
import type { Control } from '../connection/control.js';
import type { Publisher } from '../core/publisher.js';
import type { TopicCore } from '../core/topic-core.js';
import type { TrafficCounters } from '../connection/traffic.js';
import type { HttpRouter } from '../transport/http.js';
import { registerControlRoutes } from './control-routes.js';
import { createGuarded } from './guard.js';
import { registerHistoryRoute } from './history-route.js';
import { registerOperationsRoutes, type Readiness } from './operations-routes.js';
import { SwitchboardError, toError } from '../../protocol/errors.js';
import { errorAnswer } from './errors.js';
import { bad, onlyFields, readIdempotencyKey, readObject, readTopics, readValue, requireData, topicParameter } from './request.js';

/** Most publications in one batch `POST /api/publish`. */
export const MAX_BATCH_ITEMS = 1000;

/** The server settings the HTTP API reads (config/ sits above http/; the resolved options satisfy it). */
export interface ApiSettings {
  readonly apiKey: string | undefined;
  readonly httpRequestsPerSecond: number;
  readonly maxHttpBodyBytes: number;
  readonly maxReplayMessages: number;
}

export interface HttpApiDeps {
  router: HttpRouter;
  core: TopicCore;
  publisher: Publisher;
  control: Control;
  options: ApiSettings;
  metrics: Registry;
  traffic: TrafficCounters;
  /** Open connections (for /healthz). */
  connections: () => number;
  /** Readiness for /readyz (engine up, not draining). */
  readiness: () => Readiness;
  /** This process's worker id when it is one of several; the box's metrics text then. */
  workerId?: string;
  metricsText?: () => Promise<string>;
  startedAt: number;
  clientAddress: ClientAddressResolver;
  onUnexpected: (error: Error) => void;
}

/** Every route and its method, for the 405 answers. */
const ROUTE_METHODS: Readonly<Record<string, string>> = {
  '/api/publish': 'POST',
  '/api/broadcast': 'POST',
  '/api/subscribe': 'POST',
  '/api/unsubscribe': 'POST',
  '/api/disconnect': 'POST',
  '/api/topics/:topic': 'GET',
  '/api/presence/:topic': 'GET',
  '/api/history/:topic': 'GET',
  '/metrics': 'GET',
  '/dashboard': 'GET',
  '/dashboard/data': 'GET',
  '/healthz': 'GET',
  '/readyz': 'GET',
};

/** Registers every HTTP route. */
export function registerHttpApi(deps: HttpApiDeps): void {
  const { router, core, publisher, options, traffic } = deps;
  const guarded = createGuarded({ ...options, clientAddress: deps.clientAddress, traffic, onUnexpected: deps.onUnexpected });
  const maxBody = options.maxHttpBodyBytes;

  router.post('/api/publish', guarded(async (exchange, request) => {
    const body = await readValue(exchange, request, maxBody);
    if (Array.isArray(body)) return exchange.json('200 OK', { ok: true, results: await publishBatch(body) });
    if (typeof body !== 'object' || body === null) throw bad('body must be an object, or an array of them');
    const { seq, duplicate } = await publishOne(body as Record<string, unknown>, request.header('idempotency-key'));
    exchange.json('200 OK', duplicate ? { ok: true, seq, duplicate: true } : { ok: true, seq });
  }));

  /** One publication from a body object; throws its error (a 400/503 for a single publish). */
  const publishOne = async (body: Record<string, unknown>, idempotencyHeader: string) => {
    onlyFields(body, ['topic', 'data', 'idempotencyKey', 'tags']);
    if (typeof body.topic !== 'string') throw bad('"topic" must be a string');
    const data = requireData(body);
    const idempotencyKey = readIdempotencyKey(body, { header: () => idempotencyHeader });
    // The publisher checks the tags' shape and limits (BAD_FRAME, a 400 here).
    const request = body.tags === undefined ? { idempotencyKey } : { idempotencyKey, tags: body.tags as Tags };
    const result = await publisher.publish(body.topic, data, request);
    if (!result.duplicate) traffic.httpPublishes++;
    return result;
  };

  /**
   * A batch: each item published in order, each with its own answer, so one bad item does not
   * cost a backend the others (a feed that batches to save round trips).
   */
  const publishBatch = async (items: unknown[]) => {
    if (items.length === 0 || items.length > MAX_BATCH_ITEMS) throw bad(`a batch holds 1 to ${MAX_BATCH_ITEMS} publications`);
    const results: Array<Record<string, unknown>> = [];
    for (const item of items) {
      try {
        if (typeof item !== 'object' || item === null || Array.isArray(item)) throw bad('each publication must be an object');
        const { seq, duplicate } = await publishOne(item as Record<string, unknown>, '');
        results.push(duplicate ? { ok: true, seq, duplicate: true } : { ok: true, seq });
      } catch (err) {
        if (!(err instanceof SwitchboardError)) deps.onUnexpected(toError(err));
        const answer = errorAnswer(err);
        results.push({ ok: false, ...(JSON.parse(answer.body) as Record<string, unknown>) });
      }
    }
    return results;
  };

  router.post('/api/broadcast', guarded(async (exchange, request) => {
    const body = await readObject(exchange, request, maxBody);
    onlyFields(body, ['topics', 'data', 'idempotencyKey']);
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
  registerOperationsRoutes({ router, guarded, metrics: deps.metrics, connections: deps.connections, readiness: deps.readiness, startedAt: deps.startedAt, workerId: deps.workerId, metricsText: deps.metricsText });

  // A known path with the wrong method is 405 with Allow, not 404: `GET /api/publish` is a method
  // mistake, not a missing route. Registered after the real routes, which uWS matches first.
  for (const [pattern, allow] of Object.entries(ROUTE_METHODS)) {
    router.any(pattern, (exchange) => {
      exchange.send('405 Method Not Allowed', 'application/json', JSON.stringify({ error: `use ${allow}`, code: 'METHOD_NOT_ALLOWED' }), false, { Allow: allow });
    });
  }

  router.any('/*', (exchange) => {
    exchange.json('404 Not Found', { error: 'no such route', code: 'NOT_FOUND' });
  });
}
