/**
 * HTTP routes for server-side control: subscribe, unsubscribe and disconnect a user's
 * connections, and presence lookups. A thin edge: it validates bodies (400 `{error, code}`) and
 * calls `Control`, which does the work.
 */
import { ErrorCode } from '../protocol/codes.js';
import { ProtocolError, SwitchboardError } from '../protocol/errors.js';
import type { Control, DisconnectOptions } from './control.js';
import type { RequestInfo } from './http-api.js';
import type { HttpExchange } from './http-exchange.js';
import type { HttpRequest, HttpResponse, TemplatedApp } from './uws.js';

/** The HTTP API's route plumbing that control routes reuse (auth guard, body reading). */
export interface ControlRouteDeps {
  app: TemplatedApp;
  control: Control;
  guarded: (handler: (exchange: HttpExchange, info: RequestInfo) => Promise<void> | void) => (res: HttpResponse, req: HttpRequest) => void;
  readObject: (exchange: HttpExchange, info: RequestInfo) => Promise<Record<string, unknown>>;
}

/** A 400 BAD_REQUEST for a malformed body or parameter. */
function bad(message: string): ProtocolError {
  return new ProtocolError(ErrorCode.BadRequest, message);
}

/** The `:topic` route parameter, percent-decoded. */
function topicParameter(info: RequestInfo): string {
  try {
    return decodeURIComponent(info.parameter);
  } catch {
    throw bad('topic is not valid percent-encoding');
  }
}

function readUser(body: Record<string, unknown>): string {
  if (typeof body.user !== 'string' || body.user === '') throw bad('"user" must be a non-empty string');
  return body.user;
}

function readTopics(body: Record<string, unknown>): string[] {
  const topics = body.topics;
  if (!Array.isArray(topics) || topics.length === 0 || topics.some((topic) => typeof topic !== 'string')) {
    throw bad('"topics" must be a non-empty array of strings');
  }
  return topics as string[];
}

function readDisconnect(body: Record<string, unknown>): DisconnectOptions {
  const { code, reason, reconnect } = body;
  const options: DisconnectOptions = {};
  if (code !== undefined) {
    // The codes an application may send on the wire; 1001 and 1009 etc. belong to the server itself.
    if (!Number.isInteger(code) || !(code === 1000 || ((code as number) >= 3000 && (code as number) <= 4999))) {
      throw bad('"code" must be 1000 or an integer from 3000 to 4999');
    }
    options.code = code as number;
  }
  if (reason !== undefined) {
    if (typeof reason !== 'string') throw bad('"reason" must be a string');
    options.reason = reason;
  }
  if (reconnect !== undefined) {
    if (typeof reconnect !== 'boolean') throw bad('"reconnect" must be a boolean');
    if (code !== undefined) throw bad('give "code" or "reconnect", not both');
    options.reconnect = reconnect;
  }
  return options;
}

/** Registers the control routes on the app. */
export function registerControlRoutes({ app, control, guarded, readObject }: ControlRouteDeps): void {
  app.post('/api/subscribe', guarded(async (exchange, info) => {
    const body = await readObject(exchange, info);
    const user = readUser(body);
    exchange.json('200 OK', { ok: true, connections: control.subscribeUser(user, readTopics(body)) });
  }));

  app.post('/api/unsubscribe', guarded(async (exchange, info) => {
    const body = await readObject(exchange, info);
    const user = readUser(body);
    exchange.json('200 OK', { ok: true, connections: control.unsubscribeUser(user, readTopics(body)) });
  }));

  app.post('/api/disconnect', guarded(async (exchange, info) => {
    const body = await readObject(exchange, info);
    const user = readUser(body);
    exchange.json('200 OK', { ok: true, connections: control.disconnectUser(user, readDisconnect(body)) });
  }));

  app.get('/api/presence/:topic', guarded((exchange, info) => {
    const topic = topicParameter(info);
    let presence;
    try {
      presence = control.presence(topic);
    } catch (err) {
      // 415 (UNSUPPORTED's HTTP status) is about media types; for a URL, "not here" is a 404.
      if (err instanceof SwitchboardError && err.code === ErrorCode.Unsupported) throw new SwitchboardError(ErrorCode.NotFound, err.message);
      throw err;
    }
    exchange.json('200 OK', { topic, ...presence });
  }));
}
