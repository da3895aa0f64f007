/**
 * `GET /api/history/:topic`: a topic's retained publications for backends (catch-up after a
 * backend restart, audits, debugging recovery). Query: `limit` (latest N, default 100), or
 * `epoch` + `since` for everything after a position (all or nothing, like client recovery).
 */
import { toJsonText } from '../../protocol/json-text.js';
import { unpackValue } from '../../protocol/msgpack-value.js';
import type { TopicCore } from '../core/topic-core.js';
import type { HttpHandler, HttpRouter } from '../transport/http.js';
import type { GuardedHandler } from './guard.js';
import { bad, queryCount, topicParameter } from './request.js';

/** Publications answered when no `limit` is given. */
export const DEFAULT_HISTORY_LIMIT = 100;

export interface HistoryRouteDeps {
  router: HttpRouter;
  core: TopicCore;
  /** Most publications one answer holds. */
  maxReplayMessages: number;
  guarded: (handler: GuardedHandler) => HttpHandler;
}

export function registerHistoryRoute({ router, core, maxReplayMessages, guarded }: HistoryRouteDeps): void {
  router.get('/api/history/:topic', guarded(async (exchange, request) => {
    const topic = topicParameter(request);
    const query = new URLSearchParams(request.query);
    const limit = queryCount(query, 'limit') ?? Math.min(DEFAULT_HISTORY_LIMIT, maxReplayMessages);
    if (limit === 0) throw bad('"limit" must be at least 1');
    const since = queryCount(query, 'since');
    const epoch = query.get('epoch');
    if ((since === undefined) !== (epoch === null)) throw bad('give "epoch" and "since" together');
    const read = await core.history(topic, since === undefined ? null : { epoch: epoch!, seq: since }, limit);
    const body = {
      topic,
      epoch: read.epoch,
      seq: read.seq,
      ...(since === undefined ? {} : { recovered: read.recovered }),
      publications: read.publications.map((publication) => ({ seq: publication.seq, time: publication.time, data: unpackValue(publication.payload) })),
    };
    exchange.send('200 OK', 'application/json', toJsonText(body));
  }));
}
