/**
 * HTTP routes for server-side control: subscribe, unsubscribe and disconnect a user's
 * connections, and presence lookups. A thin edge: it validates bodies (400 `{error, code}`) and
 * calls `Control`, which does the work.
 */
import { ErrorCode } from '../../protocol/codes.js';
import { SwitchboardError } from '../../protocol/errors.js';
import { disconnectCommand, type Control, type DisconnectOptions } from '../connection/control.js';
import type { HttpHandler, HttpRouter } from '../transport/http.js';
import type { GuardedHandler } from './guard.js';
import { bad, onlyFields, readObject, readTopics, topicParameter } from './request.js';

export interface ControlRouteDeps {
  router: HttpRouter;
  control: Control;
  guarded: (handler: GuardedHandler) => HttpHandler;
  /** Largest body read, in bytes. */
  maxBody: number;
}

function readUser(body: Record<string, unknown>): string {
  if (typeof body.user !== 'string' || body.user === '') throw bad('"user" must be a non-empty string');
  return body.user;
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
export function registerControlRoutes({ router, control, guarded, maxBody }: ControlRouteDeps): void {
  router.post('/api/subscribe', guarded(async (exchange, request) => {
    const body = await readObject(exchange, request, maxBody);
    onlyFields(body, ['user', 'topics']);
    const user = readUser(body);
    exchange.json('200 OK', { ok: true, connections: await control.everywhere({ op: 'subscribe', userId: user, topics: readTopics(body) }) });
  }));

  router.post('/api/unsubscribe', guarded(async (exchange, request) => {
    const body = await readObject(exchange, request, maxBody);
    onlyFields(body, ['user', 'topics']);
    const user = readUser(body);
    exchange.json('200 OK', { ok: true, connections: await control.everywhere({ op: 'unsubscribe', userId: user, topics: readTopics(body) }) });
  }));

  router.post('/api/disconnect', guarded(async (exchange, request) => {
    const body = await readObject(exchange, request, maxBody);
    onlyFields(body, ['user', 'code', 'reason', 'reconnect']);
    const user = readUser(body);
    exchange.json('200 OK', { ok: true, connections: await control.everywhere(disconnectCommand(user, readDisconnect(body))) });
  }));

  router.get('/api/presence/:topic', guarded(async (exchange, request) => {
    const topic = topicParameter(request);
    let presence;
    try {
      presence = await control.presence(topic);
    } catch (err) {
      // 415 (UNSUPPORTED's HTTP status) is about media types; for a URL, "not here" is a 404.
      if (err instanceof SwitchboardError && err.code === ErrorCode.Unsupported) throw new SwitchboardError(ErrorCode.NotFound, err.message);
      throw err;
    }
    exchange.json('200 OK', { topic, ...presence });
  }));
}
