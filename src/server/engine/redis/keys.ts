/**
 * Key and channel names. Every key of a topic carries the hash tag `{prefix:topic}`, so a topic's
 * keys (and, with sharded pub/sub, its channel) live in one Redis Cluster slot and one script can
 * touch them all. Node-level channels (control, replies) are not per topic and use plain pub/sub.
 *
 * Topic names may hold `}` and `:`, so no key name may end in text a client chooses: `{p:a}:x`
 * with a free suffix `b}:meta` would spell topic `a}:x:b`'s meta key. Every suffix is therefore
 * one of the fixed words below (idempotency keys are fields of a hash, never part of a key name).
 */

/** The keys and channel of one topic. */
export interface TopicKeys {
  /** Hash: `e` epoch, `s` last seq, `t` history TTL in ms (for reads). */
  readonly meta: string;
  /** Stream of retained publications: entry id `<seq>-0`, fields `d` payload, `t` publish time (ms). */
  readonly stream: string;
  /** Pub/sub channel of the topic's publications and presence notices. */
  readonly channel: string;
  /** Hash: connection id → presence entry. */
  readonly members: string;
  /** Sorted set: connection id → expiry of its presence entry (ms). */
  readonly expiries: string;
  /** Hash: member key (user, or anonymous connection) → connections. */
  readonly users: string;
  /** Hash: idempotency key → seq of its first publication. */
  readonly idempotency: string;
  /** Sorted set: idempotency key → when it is forgotten (ms); oldest first when over the cap. */
  readonly idempotencyExpiries: string;
}

export class KeySpace {
  /** Channel every node listens on for user commands (rare admin traffic, never publications). */
  readonly control: string;

  constructor(readonly prefix: string) {
    this.control = `${prefix}:control`;
  }

  topic(topic: string): TopicKeys {
    const tag = `{${this.prefix}:${topic}}`;
    return {
      meta: `${tag}:meta`,
      stream: `${tag}:stream`,
      channel: `${tag}:ch`,
      members: `${tag}:pm`,
      expiries: `${tag}:pe`,
      users: `${tag}:pu`,
      idempotency: `${tag}:ik`,
      idempotencyExpiries: `${tag}:ie`,
    };
  }

  /** The topic a publication channel belongs to, or undefined for another channel. */
  topicOfChannel(channel: string): string | undefined {
    const head = `{${this.prefix}:`;
    if (!channel.startsWith(head) || !channel.endsWith('}:ch')) return undefined;
    return channel.slice(head.length, -4);
  }

  /** Channel on which a node receives replies to the user commands it sent. */
  replies(nodeId: string): string {
    return `${this.prefix}:reply:${nodeId}`;
  }
}
