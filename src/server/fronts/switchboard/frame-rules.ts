/**
 * What the server does with each client frame of the Switchboard protocol: its request/answer
 * rules. One instance serves every connection of the server. Throws nothing to the transport:
 * every failure becomes an Error frame to the client.
 */
import { compileFilter, type Tags } from '../../../protocol/tags.js';
import { ErrorCode } from '../../../protocol/codes.js';
import { LimitError, ProtocolError, SwitchboardError, toError } from '../../../protocol/errors.js';
import { Kind, type ClientFrame, type HistoryFrame, type PresenceFrame, type PublishFrame, type RefreshFrame, type RpcFrame, type SendFrame, type SubscribeFrame } from '../../../protocol/frames.js';
import { topicProblem } from '../../../protocol/topic.js';
import type { FrontSettings } from '../front.js';
import type { BackendHooks } from '../../connection/backend-hooks/backend-hooks.js';
import type { Connection } from '../../connection/connection.js';
import type { Hooks, ReportError } from '../../connection/hooks.js';
import type { Permissions } from '../../connection/permissions.js';
import type { Refresher } from '../../connection/token-refresh.js';
import type { Publisher, PublishRequest } from '../../core/publisher.js';
import type { TopicCore } from '../../core/topic-core.js';
import type { PresenceStore } from '../../engine/engine.js';
import type { PublishResult } from '../../engine/engine.js';
import { PendingSubscribes, type PendingSubscribe } from './pending-subscribes.js';

/** The checks the frame rules call: subscribe permissions and token refresh. */
export interface FrameGuards {
  permissions: Permissions;
  refresh: Refresher;
}

/** What the frame rules work with. */
export interface FrameRulesDeps {
  core: TopicCore;
  publisher: Publisher;
  presence: PresenceStore;
  options: FrontSettings;
  hooks: Hooks;
  report: ReportError;
  guards: FrameGuards;
  /** The application's backend hooks (publish rule `'backend'`, RPC methods without a handler), if configured. */
  backend?: BackendHooks;
}

// One request object for every client publication rather than one per publication.
const FROM_CLIENT: PublishRequest = Object.freeze({ fromClient: true });

/** The one message of every publish denial. */
export const PUBLISH_DENIED = 'publishing to this topic is not allowed';

export class FrameRules {
  private readonly core: TopicCore;
  private readonly publisher: Publisher;
  private readonly presenceStore: PresenceStore;
  private readonly options: FrontSettings;
  private readonly hooks: Hooks;
  private readonly report: ReportError;
  private readonly guards: FrameGuards;
  private readonly backend: BackendHooks | undefined;
  private readonly pendingSubscribes = new PendingSubscribes();

  constructor(deps: FrameRulesDeps) {
    this.core = deps.core;
    this.publisher = deps.publisher;
    this.presenceStore = deps.presence;
    this.options = deps.options;
    this.hooks = deps.hooks;
    this.report = deps.report;
    this.guards = deps.guards;
    this.backend = deps.backend;
  }

  /** Handles one validated frame. Runs inside the transport's message callback (already corked). */
  handle(connection: Connection, frame: ClientFrame): void {
    switch (frame.kind) {
      case Kind.Subscribe:
        return this.subscribe(connection, frame);
      case Kind.Unsubscribe:
        this.pendingSubscribes.leave(connection, frame.topics);
        this.core.unsubscribe(connection, frame.topics);
        return this.ack(connection, frame.id, null);
      case Kind.Publish:
        return this.publish(connection, frame);
      case Kind.Rpc:
        return this.rpc(connection, frame);
      case Kind.Ping:
        return this.ack(connection, frame.id, Date.now());
      case Kind.Send:
        return this.sendToHook(connection, frame);
      case Kind.Refresh:
        return this.refresh(connection, frame);
      case Kind.Presence:
        return this.presence(connection, frame);
      case Kind.History:
        return this.history(connection, frame);
      default: {
        const unreachable: never = frame;
        throw new Error(`unhandled frame ${JSON.stringify(unreachable)}`);
      }
    }
  }

  /** Answers a request with an Error frame (id 0 = a notice not tied to a request). */
  error(connection: Connection, id: number, code: number, message: string, later = false): void {
    const frame = { kind: Kind.Error, id, code, message } as const;
    if (later) connection.sendFrameLater(frame);
    else connection.sendFrame(frame);
  }

  private ack(connection: Connection, id: number, data: unknown, later = false): void {
    if (id === 0) return;
    const frame = { kind: Kind.Reply, id, data } as const;
    if (later) connection.sendFrameLater(frame);
    else connection.sendFrame(frame);
  }

  /** `permitted`: resuming after an asynchronous permission, with what was left while it was out. */
  private subscribe(connection: Connection, frame: SubscribeFrame, permitted?: PendingSubscribe): void {
    // All or nothing: a bad topic or the limit refuses the whole frame, before a backend is asked
    // about it; checked again when an async permission resumes, as subscriptions may have changed.
    for (const topic of frame.topics) {
      const problem = topicProblem(topic, this.options.maxTopicBytes);
      if (problem !== null) return this.error(connection, frame.id, ErrorCode.InvalidTopic, `${problem}: ${JSON.stringify(topic.slice(0, 64))}`);
    }
    let added = 0;
    for (const topic of new Set(frame.topics)) if (!connection.topics.has(topic)) added++;
    if (connection.topics.size + added > this.options.maxSubscriptions) {
      return this.error(connection, frame.id, ErrorCode.LimitExceeded, `at most ${this.options.maxSubscriptions} subscriptions per connection`);
    }
    // Namespace subscribe rules (permissions.ts); token and backend checks resume here, corked.
    if (permitted === undefined) {
      const pending = this.pendingSubscribes.open(connection, frame.topics);
      const deny = (message: string, code: number) => {
        pending.close();
        this.error(connection, frame.id, code, message);
      };
      const resume = () => {
        pending.close();
        this.subscribe(connection, frame, pending);
      };
      if (!this.guards.permissions.admit(connection, frame, resume, deny)) return;
      pending.close();
    }
    this.answer(connection, frame.id, () => {
      // Compiled once for every topic of the frame (the codec checked its shape and limits).
      const filter = frame.filter === undefined ? undefined : compileFilter(frame.filter);
      const result = this.core.subscribe(connection, frame.topics, frame.positions, frame.latest === true ? 'all' : 'namespace', filter);
      // Left by a later Unsubscribe while the permission was out: that frame came last, so it wins.
      if (permitted !== undefined && permitted.left.size > 0) this.core.unsubscribe(connection, [...permitted.left]);
      return result;
    });
  }

  private history(connection: Connection, frame: HistoryFrame): void {
    this.answer(connection, frame.id, () => this.core.replay(connection, frame.topic, { epoch: frame.epoch, seq: frame.seq }));
  }

  /**
   * Answers a request whose work may finish later (an async history store): a ProtocolError is
   * the client's (its code), anything else is ours (INTERNAL, details only in the log).
   */
  private answer(connection: Connection, id: number, run: () => unknown): void {
    let result: unknown;
    try {
      result = run();
    } catch (err) {
      if (err instanceof ProtocolError) return this.error(connection, id, err.code, err.message);
      return this.failed(connection, id, err, false, 'request failed');
    }
    if (!isPromiseLike(result)) return this.ack(connection, id, result);
    result.then(
      (value) => {
        if (!connection.closed) this.ack(connection, id, value, true);
      },
      (err: unknown) => {
        if (err instanceof ProtocolError) {
          if (!connection.closed) this.error(connection, id, err.code, err.message, true);
        } else this.failed(connection, id, err, true, 'request failed');
      },
    );
  }

  private publish(connection: Connection, frame: PublishFrame): void {
    const rule = this.core.namespaces.match(frame.topic).publish;
    const ruleDenies = rule === 'nobody' || (rule === 'authenticated' && connection.userId === null) || (rule === 'backend' && this.backend === undefined);
    if (ruleDenies || !this.guards.permissions.mayPublish(connection, frame.topic)) {
      return this.error(connection, frame.id, ErrorCode.Forbidden, PUBLISH_DENIED);
    }
    if (rule === 'backend') return this.publishThroughBackend(connection, frame, this.backend!);
    this.publishNow(connection, frame.id, frame.topic, frame.data, frame.tags);
  }

  private publishNow(connection: Connection, id: number, topic: string, data: unknown, tags: Tags | undefined): void {
    let published: PublishResult | Promise<PublishResult>;
    try {
      // The publisher validates the topic (INVALID_TOPIC) and the namespace's size limit on every
      // client publish; no second check here.
      published = this.publisher.publish(topic, data, tags === undefined ? FROM_CLIENT : { fromClient: true, tags });
    } catch (err) {
      if (err instanceof ProtocolError || err instanceof LimitError) return this.error(connection, id, err.code, err.message);
      return this.failed(connection, id, err, false, 'publish failed');
    }
    if (!(published instanceof Promise)) return this.ack(connection, id, published.seq);
    published.then(
      (value) => this.ack(connection, id, value.seq, true),
      (err: unknown) => {
        // An unreachable engine is the client's to retry (ENGINE_UNAVAILABLE), not a server bug.
        if (err instanceof LimitError) {
          if (!connection.closed) this.error(connection, id, err.code, err.message, true);
        } else this.failed(connection, id, err, true, 'publish failed');
      },
    );
  }

  /**
   * Asks the backend, then publishes what it allowed (its replacement data, if any). A bad topic or
   * oversized data is refused first, so the backend never sees what could not be published anyway.
   * If the connection closed meanwhile nothing is published: its request has already failed
   * (DISCONNECTED) on the client side, which may send it again.
   */
  private publishThroughBackend(connection: Connection, frame: PublishFrame, backend: BackendHooks): void {
    try {
      this.publisher.check(frame.topic, frame.data, { fromClient: true });
    } catch (err) {
      if (err instanceof ProtocolError || err instanceof LimitError) return this.error(connection, frame.id, err.code, err.message);
      return this.failed(connection, frame.id, err, false, 'publish failed');
    }
    backend.publish(connection, frame.topic, frame.data).then(
      (decision) => {
        if (connection.closed) return;
        connection.corked(() => {
          if (!decision.allow) return this.error(connection, frame.id, ErrorCode.Forbidden, PUBLISH_DENIED);
          this.publishNow(connection, frame.id, frame.topic, decision.replaced ? decision.data : frame.data, frame.tags);
        });
      },
      (err: unknown) => this.fail(connection, frame.id, err, true),
    );
  }

  /** Who is on a topic: only for a subscribed topic (NOT_SUBSCRIBED) of a presence-enabled namespace (UNSUPPORTED). */
  private presence(connection: Connection, frame: PresenceFrame): void {
    if (!connection.topics.has(frame.topic)) return this.error(connection, frame.id, ErrorCode.NotSubscribed, 'presence is answered only for subscribed topics');
    if (!this.core.namespaces.match(frame.topic).presence) return this.error(connection, frame.id, ErrorCode.Unsupported, 'presence is not enabled for this topic');
    this.answer(connection, frame.id, () => this.presenceStore.info(frame.topic));
  }

  /** A broker or store failure is ours, not the client's: INTERNAL, details only in the log. */
  private failed(connection: Connection, id: number, err: unknown, later: boolean, message: string): void {
    this.report(toError(err), connection);
    if (!connection.closed) this.error(connection, id, ErrorCode.Internal, message, later);
  }

  private rpc(connection: Connection, frame: RpcFrame): void {
    const handlers = this.hooks.rpc;
    // Own properties only: "constructor" or "__proto__" must not reach Object.prototype.
    const handler = handlers !== undefined && Object.hasOwn(handlers, frame.method) ? handlers[frame.method] : undefined;
    const backend = this.backend;
    if (handler === undefined && backend?.hasRpc === true) {
      return this.settle(connection, frame.id, () => backend.rpc(connection, frame.method, frame.data), true);
    }
    if (handler === undefined) return this.error(connection, frame.id, ErrorCode.NotFound, `no rpc method "${frame.method.slice(0, 64)}"`);
    this.settle(connection, frame.id, () => handler(connection, frame.data), true);
  }

  private refresh(connection: Connection, frame: RefreshFrame): void {
    this.settle(connection, frame.id, () => this.guards.refresh(connection, frame.token), true);
  }

  private sendToHook(connection: Connection, frame: SendFrame): void {
    const onMessage = this.hooks.onMessage;
    if (onMessage === undefined) return this.error(connection, frame.id, ErrorCode.Unsupported, 'this server has no onMessage handler');
    this.settle(connection, frame.id, () => onMessage(connection, frame.data), false);
  }

  /**
   * Runs an application handler and answers the request with its result (or null when
   * `replyWithResult` is false), an error code it chose (SwitchboardError), HANDLER_FAILED, or
   * TIMEOUT. Sync results are answered in the same corked callback; async ones after checking
   * the socket is still open.
   */
  private settle(connection: Connection, id: number, run: () => unknown, replyWithResult: boolean): void {
    const timeoutMs = this.options.rpcTimeoutMs;
    let result: unknown;
    try {
      result = run();
    } catch (err) {
      return this.fail(connection, id, err);
    }
    const reply = (value: unknown, later: boolean) => {
      try {
        this.ack(connection, id, replyWithResult ? value : null, later);
      } catch (err) {
        // A result the codec cannot encode (nested too deep for its stack, a BigInt in JSON) is the
        // handler's failure; thrown from the promise callback below it would end the process.
        this.fail(connection, id, new Error("the handler's result could not be encoded", { cause: err }), later);
      }
    };
    if (!isPromiseLike(result)) return reply(result, false);
    if (id === 0) {
      // Nobody waits for an answer: no timeout, but a failure is still reported (as a notice).
      Promise.resolve(result).catch((err: unknown) => this.fail(connection, 0, err, true));
      return;
    }
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      if (!connection.closed) this.error(connection, id, ErrorCode.Timeout, `handler did not answer within ${timeoutMs} ms`, true);
    }, timeoutMs);
    Promise.resolve(result).then(
      (value) => {
        clearTimeout(timer);
        if (!done && !connection.closed) reply(value, true);
        done = true;
      },
      (err: unknown) => {
        clearTimeout(timer);
        if (!done) this.fail(connection, id, err, true);
        // Already answered with TIMEOUT: still let the application hear about a real failure.
        else if (!(err instanceof SwitchboardError)) this.report(toError(err), connection);
        done = true;
      },
    );
  }

  private fail(connection: Connection, id: number, err: unknown, later = false): void {
    if (err instanceof SwitchboardError) {
      if (!connection.closed) this.error(connection, id, err.code, err.message, later);
      return;
    }
    // Unexpected errors stay on the server: the client learns only that the handler failed.
    this.report(toError(err), connection);
    if (!connection.closed) this.error(connection, id, ErrorCode.HandlerFailed, 'handler failed', later);
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
