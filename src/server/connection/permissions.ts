/**
 * Subscribe permissions: applies each topic's namespace `subscribe` rule (anyone, authenticated,
 * claim, token, owner, backend) to a Subscribe frame, and to a Publish (mayPublish). Subscription tokens and the backend make the
 * check asynchronous; everything else is decided on the spot. Denials never say why, nor whether
 * the topic exists.
 */
import { ErrorCode } from '../../protocol/codes.js';
import { SwitchboardError } from '../../protocol/errors.js';
import type { SubscribeFrame } from '../../protocol/frames.js';
import type { BackendHooks } from './backend-hooks/backend-hooks.js';
import type { Connection } from './connection.js';
import type { Namespace, Namespaces } from '../namespaces/namespaces.js';
import type { TokenVerifier } from './token-verifier.js';

/** The one message of every subscribe denial (never varies with the topic's existence or subscribers). */
export const SUBSCRIBE_DENIED = 'not allowed to subscribe to this topic';

/** Whether a token's `topics` claim lists `topic`: exactly, or by a prefix entry ending in `*`. */
export function claimAllows(claims: Readonly<Record<string, unknown>>, topic: string): boolean {
  const topics = claims.topics;
  if (!Array.isArray(topics)) return false;
  return topics.some((entry) => typeof entry === 'string' && (entry.endsWith('*') ? topic.startsWith(entry.slice(0, -1)) : entry === topic));
}

export class Permissions {
  constructor(
    private readonly namespaces: Namespaces,
    /** Verifies subscription tokens; without one, the `token` rule denies everything. */
    private readonly verifier: TokenVerifier | undefined,
    /** Asks the application's backend; without it, the `backend` rule denies everything (options refuse that setup). */
    private readonly backend?: BackendHooks,
  ) {}

  /**
   * Decides a Subscribe frame, all or nothing. Returns true when every topic is allowed right now;
   * false when one is denied (`deny` was called) or when subscription tokens or the backend must
   * be asked first, in which case `allow` or `deny` is called later, corked, if the connection is
   * still open. `deny` gets FORBIDDEN, or the retryable code of a backend that failed to answer
   * (TIMEOUT, INTERNAL) when no topic was denied outright.
   */
  admit(connection: Connection, frame: SubscribeFrame, allow: () => void, deny: (message: string, code: number) => void): boolean {
    const pending: Array<Promise<boolean | SwitchboardError>> = [];
    const asked = new Set<string>();
    for (const topic of frame.topics) {
      const namespace = this.namespaces.match(topic);
      if (namespace.subscribe === 'backend') {
        // One call per distinct topic: a frame may repeat a topic, the backend need not hear it twice.
        if (!asked.has(topic)) pending.push(this.askBackend(connection, topic));
        asked.add(topic);
        continue;
      }
      if (namespace.subscribe === 'token') {
        // Own properties only: a topic named "constructor" must not find Object.prototype's.
        const token = frame.tokens !== undefined && Object.hasOwn(frame.tokens, topic) ? frame.tokens[topic] : undefined;
        pending.push(this.checkToken(connection, topic, token));
        continue;
      }
      if (!this.allowedNow(connection, namespace, topic)) {
        deny(SUBSCRIBE_DENIED, ErrorCode.Forbidden);
        return false;
      }
    }
    if (pending.length === 0) return true;
    void Promise.all(pending).then((results) => {
      if (connection.closed) return;
      // A denial is final, so it wins over a failure that a retry might get past.
      const failure = results.find((result): result is SwitchboardError => result instanceof SwitchboardError);
      connection.socket?.cork(() => {
        if (results.includes(false)) deny(SUBSCRIBE_DENIED, ErrorCode.Forbidden);
        else if (failure !== undefined) deny(failure.message, failure.code);
        else allow();
      });
    });
    return false;
  }

  /**
   * Whether a connection may publish to a topic as far as the topic's subscribe rule goes (the
   * namespace's publish rule is checked as well, by the session): a client speaks only where it
   * may listen, so a publish rule that is looser than a credential-protected subscribe rule does
   * not open the topic to connections without that credential. A subscription token is presented
   * once, at subscribe, so `token` topics need the connection to be subscribed; so do `backend`
   * ones unless the backend decides the publish too (`publish: 'backend'`).
   */
  mayPublish(connection: Connection, topic: string): boolean {
    const namespace = this.namespaces.match(topic);
    switch (namespace.subscribe) {
      case 'token':
        return connection.topics.has(topic);
      case 'backend':
        return namespace.publish === 'backend' || connection.topics.has(topic);
      default:
        return this.allowedNow(connection, namespace, topic);
    }
  }

  private allowedNow(connection: Connection, namespace: Namespace, topic: string): boolean {
    switch (namespace.subscribe) {
      case 'anyone':
        return true;
      case 'authenticated':
        return connection.userId !== null;
      case 'claim':
        return claimAllows(connection.claims, topic);
      case 'owner':
        return connection.userId !== null && topic === namespace.prefix + connection.userId;
      case 'token':
      case 'backend':
        return false; // decided by checkToken / askBackend
      default: {
        const unreachable: never = namespace.subscribe;
        throw new Error(`unknown subscribe rule ${String(unreachable)}`);
      }
    }
  }

  /** The backend's answer; a failed call resolves to its error (logged by the hooks), never rejects. */
  private async askBackend(connection: Connection, topic: string): Promise<boolean | SwitchboardError> {
    if (this.backend === undefined) return false;
    try {
      return await this.backend.subscribe(connection, topic);
    } catch (err) {
      return err instanceof SwitchboardError ? err : new SwitchboardError(ErrorCode.Internal, 'backend unavailable', { cause: err });
    }
  }

  /** A subscription token must verify, name this topic (`topic` or `channel`), and if it has a `sub`, be this user's. */
  private async checkToken(connection: Connection, topic: string, token: string | undefined): Promise<boolean> {
    if (token === undefined || this.verifier === undefined) return false;
    try {
      const { userId, claims } = await this.verifier.verify(token);
      const named = claims.topic ?? claims.channel;
      if (named !== topic) return false;
      return userId === null || userId === connection.userId;
    } catch {
      return false;
    }
  }
}
