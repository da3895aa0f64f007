/**
 * Presence in Redis, shared by every node. Per topic: a hash of entries (connection → member), a
 * sorted set of their expiries and a hash counting each member's connections, updated by scripts
 * that also decide when a Join or Leave is due and publish it on the topic's channel, so followers
 * on every node get it through the same feed as publications (`announces`). Each node refreshes
 * its own entries' expiries while it lives; a dead node's entries expire and are swept (with their
 * Leave) by the next presence call on the topic.
 */
import { Kind, type JoinFrame, type LeaveFrame, type PresenceInfo, type PresenceMember } from '../../../protocol/frames.js';
import type { PresenceStore, PresenceSubject } from '../engine.js';
import { MAX_PRESENCE_MEMBERS, memberEntry, memberKey } from '../presence.js';
import type { RedisLink } from './connections.js';
import { encodePresenceEntry } from './feed-message.js';
import type { KeySpace } from './keys.js';
import type { RedisEngineOptions } from './options.js';
import type { Subscriptions } from './subscriptions.js';
import { refreshInBatches } from './presence-refresh.js';

// Entries per refresh script call, and calls in flight at once: large enough that 100k entries
// take a few hundred round trips, small enough that one call stays a sub-millisecond script.
const REFRESH_BATCH = 500;
const REFRESH_IN_FLIGHT = 8;

export class RedisPresence implements PresenceStore {
  readonly announces = true;
  /** Set by the engine once started. */
  subscriptions: Subscriptions | undefined;
  // This node's entries (topic → connection → stored entry), refreshed while the node lives.
  private readonly local = new Map<string, Map<string, string>>();
  private refresher: ReturnType<typeof setInterval> | undefined;
  private refreshing = false;
  /** How long the last refresh run took, in ms (operators compare it with presenceTtlMs / 3). */
  lastRefreshMs = 0;
  // The tail of each (topic, connection)'s queue of presence calls (see inOrder).
  private readonly pending = new Map<string, Promise<void>>();
  private readonly publishCommand: string;

  constructor(
    private readonly link: RedisLink,
    private readonly keys: KeySpace,
    private readonly options: RedisEngineOptions,
  ) {
    this.publishCommand = options.sharded ? 'spublish' : 'publish';
  }

  /** Number of this node's entries, over all topics (what one refresh run sends). */
  get localEntries(): number {
    let count = 0;
    for (const entries of this.local.values()) count += entries.size;
    return count;
  }

  /** Starts refreshing this node's entries (three times per `presenceTtlMs`). */
  start(): void {
    this.refresher = setInterval(() => void this.refresh(), Math.max(100, Math.floor(this.options.presenceTtlMs / 3)));
    this.refresher.unref();
  }

  join(topic: string, subject: PresenceSubject): Promise<JoinFrame | undefined> {
    const member = memberEntry(subject);
    const entry = encodePresenceEntry(memberKey(subject), member);
    let entries = this.local.get(topic);
    if (entries === undefined) this.local.set(topic, (entries = new Map()));
    // Until the script answers, the entry counts as not announced: if it fails, the next refresh
    // adds it and announces its Join then, instead of a member others never heard of.
    entries.set(subject.id, entry);
    return this.inOrder(topic, subject.id, async () => {
      // The notice travels on the topic's channel: listen there first, so followers here get it too.
      await this.subscriptions?.liveFeed(topic).catch(() => undefined);
      const k = this.keys.topic(topic);
      const due = await this.link.run((client) => client.sbPresenceJoin(k.members, k.expiries, k.users, k.channel, this.publishCommand, subject.id, entry, this.options.presenceTtlMs, '1'));
      return due === 1 ? { kind: Kind.Join, topic, ...member } : undefined;
    });
  }

  leave(topic: string, subject: PresenceSubject): Promise<LeaveFrame | undefined> {
    const entries = this.local.get(topic);
    entries?.delete(subject.id);
    if (entries?.size === 0) this.local.delete(topic);
    return this.inOrder(topic, subject.id, async () => {
      const k = this.keys.topic(topic);
      const due = await this.link.run((client) => client.sbPresenceLeave(k.members, k.expiries, k.users, k.channel, this.publishCommand, subject.id));
      return due === 1 ? { kind: Kind.Leave, topic, ...memberEntry(subject) } : undefined;
    });
  }

  async info(topic: string, limit = MAX_PRESENCE_MEMBERS): Promise<PresenceInfo> {
    const k = this.keys.topic(topic);
    const reply = await this.link.run((client) => client.sbPresenceInfoBuffer(k.members, k.expiries, k.users, k.channel, this.publishCommand, limit));
    const members = reply.slice(2).map((json) => JSON.parse((json as Buffer).toString('utf8')) as PresenceMember);
    const info: PresenceInfo = { users: reply[0] as number, connections: reply[1] as number, members };
    if (members.length < info.connections) info.truncated = true;
    return info;
  }

  /** Stops refreshing and removes this node's entries (announcing their Leave) as far as Redis answers. */
  async close(): Promise<void> {
    clearInterval(this.refresher);
    const removals: Array<Promise<unknown>> = [];
    for (const [topic, entries] of this.local) {
      const k = this.keys.topic(topic);
      for (const id of entries.keys()) removals.push(this.link.run((client) => client.sbPresenceLeave(k.members, k.expiries, k.users, k.channel, this.publishCommand, id)).catch(() => 0));
    }
    this.local.clear();
    await Promise.all(removals);
  }

  /**
   * Pushes this node's entries' expiries forward, a batch of entries per script call and a few
   * calls in flight, so a node with 100k entries finishes well within a TTL (one call per entry,
   * one after another, did not: members expired and flapped). An entry Redis does not have (lost,
   * swept, or a join that failed) is added back and its Join announced. Never two runs at once.
   */
  async refresh(): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = true;
    const started = Date.now();
    try {
      await refreshInBatches(this.local, REFRESH_BATCH, REFRESH_IN_FLIGHT, (topic, batch) => {
        const k = this.keys.topic(topic);
        return this.link.run((client) => client.sbPresenceRefresh(k.members, k.expiries, k.users, k.channel, this.publishCommand, this.options.presenceTtlMs, ...batch));
      });
    } finally {
      this.refreshing = false;
      this.lastRefreshMs = Date.now() - started;
    }
  }

  /**
   * Runs presence calls of one (topic, connection) in the order they were made: a Leave that
   * does not wait behind its Join's script would reach Redis first, and the Join would then leave
   * a ghost member on every other node until it expired.
   */
  private inOrder<T>(topic: string, id: string, run: () => Promise<T>): Promise<T> {
    const key = `${id}\u0000${topic}`;
    const previous = this.pending.get(key);
    const result = previous === undefined ? run() : previous.then(run);
    const settled = result.then(noop, noop);
    this.pending.set(key, settled);
    // `settled` never rejects: it only clears the chain once nothing is queued behind it.
    void settled.then(() => {
      if (this.pending.get(key) === settled) this.pending.delete(key);
    });
    return result;
  }
}

const noop = (): void => {};
