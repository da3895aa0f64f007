/**
 * Presence: who is subscribed to each presence-enabled topic on this server, counted by user. A
 * user with several connections is one member; anonymous connections are one member each. The
 * registry only keeps state and decides when a Join or Leave is due; the topic core sends them.
 */
import { Kind, type JoinFrame, type LeaveFrame, type PresenceInfo, type PresenceMember } from '../../protocol/frames.js';
import type { PresenceStore, PresenceSubject } from './engine.js';

/** Most entries a presence answer lists; counts are always complete. A larger list is cut and marked `truncated`. */
export const MAX_PRESENCE_MEMBERS = 1000;


// One topic: member key → that member's connections (connection id → list entry).
type TopicMembers = Map<string, Map<string, PresenceMember>>;

export class PresenceRegistry implements PresenceStore {
  private readonly topics = new Map<string, TopicMembers>();
  // Connections per topic, so counting does not walk the members.
  private readonly connectionCounts = new Map<string, number>();

  /**
   * Records that `subject` subscribed to `topic`. Returns the Join to send when it is its user's
   * first connection on the topic (always for anonymous connections), else undefined.
   */
  join(topic: string, subject: PresenceSubject): JoinFrame | undefined {
    let members = this.topics.get(topic);
    if (members === undefined) {
      members = new Map();
      this.topics.set(topic, members);
    }
    const key = memberKey(subject);
    let connections = members.get(key);
    const first = connections === undefined;
    if (connections === undefined) {
      connections = new Map();
      members.set(key, connections);
    }
    if (connections.has(subject.id)) return undefined;
    const entry = memberEntry(subject);
    connections.set(subject.id, entry);
    this.connectionCounts.set(topic, (this.connectionCounts.get(topic) ?? 0) + 1);
    return first ? { kind: Kind.Join, topic, ...entry } : undefined;
  }

  /**
   * Records that `subject` left `topic` (unsubscribed or disconnected). Returns the Leave to send
   * when it was its user's last connection on the topic, else undefined. Forgets the topic when
   * nobody is left.
   */
  leave(topic: string, subject: PresenceSubject): LeaveFrame | undefined {
    const members = this.topics.get(topic);
    const key = memberKey(subject);
    const connections = members?.get(key);
    const entry = connections?.get(subject.id);
    if (members === undefined || connections === undefined || entry === undefined) return undefined;
    connections.delete(subject.id);
    const left = (this.connectionCounts.get(topic) ?? 1) - 1;
    if (left > 0) this.connectionCounts.set(topic, left);
    else this.connectionCounts.delete(topic);
    if (connections.size > 0) return undefined;
    members.delete(key);
    if (members.size === 0) this.topics.delete(topic);
    return { kind: Kind.Leave, topic, ...entry };
  }

  /**
   * Distinct members and connections on a topic, and up to `limit` list entries (one per
   * connection, grouped by user, in join order). Zeros for a topic nobody is on.
   */
  info(topic: string, limit = MAX_PRESENCE_MEMBERS): PresenceInfo {
    const members = this.topics.get(topic);
    const connections = this.connectionCounts.get(topic) ?? 0;
    const list: PresenceMember[] = [];
    if (members === undefined) return { users: 0, connections: 0, members: list };
    outer: for (const byConnection of members.values()) {
      for (const entry of byConnection.values()) {
        if (list.length >= limit) break outer;
        list.push({ ...entry });
      }
    }
    const info: PresenceInfo = { users: members.size, connections, members: list };
    if (list.length < connections) info.truncated = true;
    return info;
  }

  /** Number of topics with at least one member (state is dropped when the last one leaves). */
  get topicCount(): number {
    return this.topics.size;
  }
}

/** The key a member is counted under: its user, or its own connection when anonymous (the first character keeps them apart). */
export function memberKey(subject: PresenceSubject): string {
  return subject.userId === null ? `c${subject.id}` : `u${subject.userId}`;
}

/** The list entry of a connection: user, connection and the token's public `info` claim. */
export function memberEntry(subject: PresenceSubject): PresenceMember {
  // `info` is the JWT's (or authenticate hook's) `info` claim: public profile data for the list.
  const info = subject.claims.info;
  const entry: PresenceMember = { userId: subject.userId, connectionId: subject.id };
  if (info !== undefined) entry.info = info;
  return entry;
}
