/**
 * Topic namespaces: per-prefix policy (who may subscribe and publish, presence, history,
 * slow-consumer handling). A topic belongs to the namespace with the longest matching prefix;
 * the default namespace (prefix '') matches every topic no other namespace claims.
 */
import { OptionsError } from '../../protocol/errors.js';

/**
 * Who may subscribe to a namespace's topics.
 * - `anyone`: every connection, anonymous included.
 * - `authenticated`: connections with a user id.
 * - `claim`: connections whose token `topics` claim lists the topic (or a prefix of it ending in `*`).
 * - `token`: connections that present a subscription token for the topic (private channels).
 * - `owner`: only the user whose id is the rest of the topic (`user:42` → user "42").
 * - `backend`: the application's backend decides, per topic (`backend.subscribeUrl`).
 */
export const SUBSCRIBE_RULES = ['anyone', 'authenticated', 'claim', 'token', 'owner', 'backend'] as const;
export type SubscribeRule = (typeof SUBSCRIBE_RULES)[number];

/**
 * Who may publish from a WebSocket (the server and the HTTP API always may). `backend`: the
 * application's backend decides each publish and may replace its data (`backend.publishUrl`).
 */
export const PUBLISH_RULES = ['nobody', 'authenticated', 'anyone', 'backend'] as const;
export type PublishRule = (typeof PUBLISH_RULES)[number];

/**
 * What happens when a socket's send buffer is over `maxBackpressureBytes`.
 * - `drop`: skip messages for that socket, then send it a Gap notice so it recovers from history.
 * - `close`: close it with SLOW_CONSUMER (4003).
 * - `conflate`: keep only the newest message per topic and send those once the socket drains.
 */
export const SLOW_CONSUMER_POLICIES = ['drop', 'close', 'conflate'] as const;
export type SlowConsumerPolicy = (typeof SLOW_CONSUMER_POLICIES)[number];

/** Longest coalescing window, in ms: beyond it the added latency is no longer "realtime". */
export const MAX_COALESCE_MS = 1000;

/** Bounded per-topic history: the last `size` messages no older than `ttlMs`, whichever is less. */
export interface HistoryLimits {
  /** Messages kept per topic. */
  size: number;
  /** Milliseconds a message stays in history. */
  ttlMs: number;
}

/** One namespace's policy. Every field is optional in config; missing ones come from the default namespace. */
export interface NamespacePolicy {
  /** @default 'anyone' (the `user:` namespace: 'owner'; `private-` and `presence-`: 'token') */
  subscribe: SubscribeRule;
  /** @default 'nobody' */
  publish: PublishRule;
  /** Join/leave notices and presence queries. @default false */
  presence: boolean;
  /** History kept for recovery, or false for none. @default { size: 1000, ttlMs: 300000 } */
  history: HistoryLimits | false;
  /** @default 'drop' */
  slowConsumer: SlowConsumerPolicy;
  /**
   * Largest data (msgpack-encoded) a WebSocket client may publish to these topics, in bytes; larger
   * is refused with PAYLOAD_TOO_LARGE (109). 0 = only `maxPayloadBytes` applies. @default 0
   */
  maxPublishBytes: number;
  /**
   * Frame coalescing: publications to a topic that are due within this many milliseconds go out as
   * one WebSocket message holding several Message frames (one send per subscriber instead of
   * several), at the cost of up to that much added latency. `'turn'`: coalesce only what arrives
   * in the same event-loop turn (no added wait). 0 = every publication is its own message. @default 0
   */
  coalesceMs: number | 'turn';
  /**
   * A new subscriber (native protocol) gets each topic's most recent publication, from history,
   * before the subscribe answer, as if it had asked with `extras.latest`. Needs `history`. @default false
   */
  latest: boolean;
}

/** A resolved namespace: its prefix and full policy. */
export interface Namespace extends Readonly<NamespacePolicy> {
  readonly prefix: string;
}

/** Namespace config as written by users: prefix → partial policy. The key '' configures the default namespace. */
export type NamespacesConfig = Record<string, Partial<NamespacePolicy>>;

/** Policy of the default namespace when nothing is configured: safe (no client publish), with recovery on. */
export const DEFAULT_NAMESPACE_POLICY: Readonly<NamespacePolicy> = Object.freeze({
  subscribe: 'anyone',
  publish: 'nobody',
  presence: false,
  history: Object.freeze({ size: 1000, ttlMs: 5 * 60_000 }),
  slowConsumer: 'drop',
  maxPublishBytes: 0,
  coalesceMs: 0,
  latest: false,
});

/**
 * Namespaces present unless the config refines them: `user:<id>` topics belong to that user, and
 * `private-` / `presence-` topics (Pusher's signed channels, `private-encrypted-` included) need a
 * subscription token on the native door, whatever protocol first used the name.
 */
export const BUILTIN_NAMESPACES: Readonly<NamespacesConfig> = Object.freeze({
  // Publishing into someone's personal topic is the backend's job: a global `clientPublish` must
  // not open `user:<id>` to anonymous clients. Both rules can still be set for `user:` explicitly.
  'user:': Object.freeze({ subscribe: 'owner' as const, publish: 'nobody' as const }),
  // A Pusher app's backend signs who may read these channels; the native door has no signature,
  // so it asks for the native equivalent (a subscription token naming the topic). Without the
  // built-in, the default namespace's `anyone` would hand the app's events, other users' client
  // events, presence and the history backlog to any anonymous native client.
  'private-': Object.freeze({ subscribe: 'token' as const, publish: 'nobody' as const }),
  'presence-': Object.freeze({ subscribe: 'token' as const, publish: 'nobody' as const }),
});

const POLICY_KEYS = ['subscribe', 'publish', 'presence', 'history', 'slowConsumer', 'maxPublishBytes', 'coalesceMs', 'latest'] as const;

/** Longest-prefix lookup over the configured namespaces. */
export class Namespaces {
  /** The namespace for topics no prefix claims. */
  readonly fallback: Namespace;
  // Longest prefix first, so the first match wins.
  private readonly byLength: readonly Namespace[];

  constructor(config: NamespacesConfig = {}, base: Partial<NamespacePolicy> = {}) {
    // A configured built-in prefix refines the built-in rules rather than replacing them, so
    // setting `user:` history does not silently drop its `owner` subscribe rule.
    const merged: NamespacesConfig = { ...BUILTIN_NAMESPACES, ...config };
    for (const [prefix, builtin] of Object.entries(BUILTIN_NAMESPACES)) {
      if (Object.hasOwn(config, prefix)) merged[prefix] = { ...builtin, ...config[prefix] };
    }
    const fallbackPolicy = validatePolicy('', { ...DEFAULT_NAMESPACE_POLICY, ...base, ...merged[''] });
    this.fallback = Object.freeze({ prefix: '', ...fallbackPolicy });
    const list: Namespace[] = [];
    for (const [prefix, partial] of Object.entries(merged)) {
      if (prefix === '') continue;
      if (/[\s]/.test(prefix)) throw new OptionsError(`namespaces["${prefix}"]`, 'a prefix cannot contain whitespace');
      list.push(Object.freeze({ prefix, ...validatePolicy(prefix, { ...fallbackPolicy, ...partial }) }));
    }
    this.byLength = list.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  /** The namespace a topic belongs to. */
  match(topic: string): Namespace {
    for (const namespace of this.byLength) {
      if (topic.startsWith(namespace.prefix)) return namespace;
    }
    return this.fallback;
  }

  /** Every namespace, default last. */
  all(): readonly Namespace[] {
    return [...this.byLength, this.fallback];
  }
}

function validatePolicy(prefix: string, policy: Record<string, unknown>): NamespacePolicy {
  const key = (field: string) => `namespaces["${prefix}"].${field}`;
  for (const field of Object.keys(policy)) {
    if (!(POLICY_KEYS as readonly string[]).includes(field)) throw new OptionsError(key(field), `unknown namespace setting (known: ${POLICY_KEYS.join(', ')})`);
  }
  oneOf(key('subscribe'), policy.subscribe, SUBSCRIBE_RULES);
  oneOf(key('publish'), policy.publish, PUBLISH_RULES);
  oneOf(key('slowConsumer'), policy.slowConsumer, SLOW_CONSUMER_POLICIES);
  if (typeof policy.presence !== 'boolean') throw new OptionsError(key('presence'), 'must be a boolean');
  if (!Number.isSafeInteger(policy.maxPublishBytes) || (policy.maxPublishBytes as number) < 0) {
    throw new OptionsError(key('maxPublishBytes'), `must be a non-negative integer, got ${String(policy.maxPublishBytes)}`);
  }
  const coalesce = policy.coalesceMs;
  if (coalesce !== 'turn' && (!Number.isSafeInteger(coalesce) || (coalesce as number) < 0 || (coalesce as number) > MAX_COALESCE_MS)) {
    throw new OptionsError(key('coalesceMs'), `must be 'turn' or an integer from 0 to ${MAX_COALESCE_MS}, got ${String(coalesce)}`);
  }
  if (typeof policy.latest !== 'boolean') throw new OptionsError(key('latest'), 'must be a boolean');
  const history = policy.history;
  // The latest publication comes from history: without it the setting would silently do nothing.
  if (policy.latest && history === false) throw new OptionsError(key('latest'), 'needs history (history is false here): give the namespace history of size 1 or more, or set latest: false');
  if (history !== false) {
    if (typeof history !== 'object' || history === null) throw new OptionsError(key('history'), 'must be false or { size, ttlMs }');
    const { size, ttlMs } = history as Record<string, unknown>;
    if (!Number.isSafeInteger(size) || (size as number) <= 0) throw new OptionsError(key('history.size'), `must be a positive integer, got ${String(size)}`);
    if (!Number.isSafeInteger(ttlMs) || (ttlMs as number) <= 0) throw new OptionsError(key('history.ttlMs'), `must be a positive integer, got ${String(ttlMs)}`);
  }
  return policy as unknown as NamespacePolicy;
}

function oneOf(key: string, value: unknown, allowed: readonly string[]): void {
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw new OptionsError(key, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  }
}
