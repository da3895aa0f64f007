/**
 * `GET /api/history/:topic`: a topic's retained publications for backends (catch-up after a
 * backend restart, audits, debugging recovery). Query: `limit` (latest N, default 100), or
 * `epoch` + `since` for everything after a position (all or nothing, like client recovery).
 */
import { unpackValue, toJsonText } from '../protocol/codec.js';
import { ErrorCode } from '../protocol/codes.js';
import { ProtocolError } from '../protocol/errors.js';
import type { RequestInfo } from './http-api.js';
import type { HttpExchange } from './http-exchange.js';
import type { Hub } from './hub.js';
import type { ResolvedOptions } from './options.js';
import type { HttpRequest, HttpResponse, TemplatedApp } from './uws.js';

/** Publications answered when no `limit` is given. */
export const DEFAULT_HISTORY_LIMIT = 100;

export interface HistoryRouteDeps {
  app: TemplatedApp;
  hub: Hub;
  options: ResolvedOptions;
  guarded: (handler: (exchange: HttpExchange, info: RequestInfo) => Promise<void> | void) => (res: HttpResponse, req: HttpRequest) => void;
}

function bad(message: string): ProtocolError {
  return new ProtocolError(ErrorCode.BadRequest, message);
}

function count(query: URLSearchParams, name: string): number | undefined {
  const text = query.get(name);
  if (text === null) return undefined;
  if (!/^\d{1,15}$/.test(text)) throw bad(`"${name}" must be a non-negative integer`);
  return Number(text);
}

export function registerHistoryRoute({ app, hub, options, guarded }: HistoryRouteDeps): void {
  app.get('/api/history/:topic', guarded(async (exchange, info) => {
    let topic: string;
    try {
      topic = decodeURIComponent(info.parameter);
    } catch {
      throw bad('topic is not valid percent-encoding');
    }
    const query = new URLSearchParams(info.query);
    const limit = count(query, 'limit') ?? Math.min(DEFAULT_HISTORY_LIMIT, options.maxReplayMessages);
    if (limit === 0) throw bad('"limit" must be at least 1');
    const since = count(query, 'since');
    const epoch = query.get('epoch');
    if ((since === undefined) !== (epoch === null)) throw bad('give "epoch" and "since" together');
    const read = await hub.history(topic, since === undefined ? null : { epoch: epoch!, seq: since }, limit);
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
