/**
 * Filtered subscriptions (docs/protocol.md §5.6): a follower whose subscription carries a tag
 * filter is never in the transport's native fan-out for that topic; the core hands it each
 * publication that matches, in the delivery call that fans out to everyone else, so it sees them
 * in seq order with the topic's real seqs. This is per-subscriber JavaScript, which is why it
 * lives apart: a topic without a filtered follower never reaches this file (`active` is one check
 * for the whole server, then one map lookup per topic).
 *
 * A filtered subscription is registered from subscribe to unsubscribe (`set`/`delete`), and
 * is live (gets publications from `deliver`) only between `attach` and `detach`, the same points
 * at which an unfiltered one joins and leaves native fan-out: attaching (history read in flight)
 * and the slow lane are handled by the same code paths as for everyone else.
 */
import type { JoinFrame, LeaveFrame } from '../../protocol/frames.js';
import type { TagMatcher, Tags } from '../../protocol/tags.js';
import type { Follower } from './follower.js';
import type { WireFormat } from './wire-format.js';

/** Plain integers bumped on the delivery path, read by /metrics. */
export interface FilteredCounters {
  /** Publications handed to live filtered followers whose filter matched. */
  sent: number;
  /** Publications live filtered followers did not get because their filter did not match. */
  filteredOut: number;
}

export class FilteredFollowers {
  // Topic → follower → its filter, for every filtered subscription, whatever its delivery state.
  private readonly filters = new Map<string, Map<Follower, TagMatcher>>();
  // Topic → the filtered followers delivered to now (not attaching, not lagging).
  private readonly live = new Map<string, Map<Follower, TagMatcher>>();
  /** Publications handed to filtered followers, and those their filter left out (read by /metrics at scrape time). */
  readonly counters: FilteredCounters = { sent: 0, filteredOut: 0 };

  /** Whether any filtered follower is live on this server (the delivery fast path checks this first). */
  get active(): boolean {
    return this.live.size !== 0;
  }

  /** Records that `follower`'s subscription to `topic` is filtered by `matcher`. */
  set(follower: Follower, topic: string, matcher: TagMatcher): void {
    let byFollower = this.filters.get(topic);
    if (byFollower === undefined) this.filters.set(topic, (byFollower = new Map()));
    byFollower.set(follower, matcher);
  }

  /** The filter of `follower`'s subscription to `topic`, if it has one. */
  matcher(follower: Follower, topic: string): TagMatcher | undefined {
    return this.filters.get(topic)?.get(follower);
  }

  /** Forgets the subscription (after `detach`, or when it never went live). */
  delete(follower: Follower, topic: string): void {
    const byFollower = this.filters.get(topic);
    if (byFollower === undefined) return;
    byFollower.delete(follower);
    if (byFollower.size === 0) this.filters.delete(topic);
  }

  /** Starts delivery to a filtered subscription; false when the subscription is not filtered (native fan-out's then). */
  attach(follower: Follower, topic: string): boolean {
    const matcher = this.matcher(follower, topic);
    if (matcher === undefined) return false;
    let byFollower = this.live.get(topic);
    if (byFollower === undefined) this.live.set(topic, (byFollower = new Map()));
    byFollower.set(follower, matcher);
    return true;
  }

  /** Stops delivery to a filtered subscription; false when the subscription is not filtered. */
  detach(follower: Follower, topic: string): boolean {
    if (this.matcher(follower, topic) === undefined) return false;
    const byFollower = this.live.get(topic);
    if (byFollower !== undefined) {
      byFollower.delete(follower);
      if (byFollower.size === 0) this.live.delete(topic);
    }
    return true;
  }

  /**
   * One publication for the live filtered followers of `topic`: each gets it when its filter
   * matches (never the `exclude` connection). The frame is built once per wire format, on the
   * first match in that format, as native fan-out does. Returns how many followers it left out.
   */
  deliver(topic: string, seq: number, payload: Uint8Array, tags: Tags | undefined, exclude: string | undefined): number {
    const byFollower = this.live.get(topic);
    if (byFollower === undefined) return 0;
    let filteredOut = 0;
    // Formats seen so far and their frames (a server has two or three formats: a list beats a Map).
    const wires: WireFormat[] = [];
    const messages: Array<Uint8Array | string> = [];
    for (const [follower, matches] of byFollower) {
      if (!matches(tags)) {
        filteredOut++;
        continue;
      }
      if (follower.id === exclude) continue;
      this.counters.sent++;
      let at = wires.indexOf(follower.wire);
      if (at < 0) {
        at = wires.push(follower.wire) - 1;
        messages.push(follower.wire.message(topic, seq, payload));
      }
      follower.sendEncoded(messages[at]!);
    }
    this.counters.filteredOut += filteredOut;
    return filteredOut;
  }

  /** A resync of `topic` (engine.ts): every live filtered follower gets the Gap with the epoch, as native followers do. */
  resync(topic: string, epoch: string, seq: number): void {
    const byFollower = this.live.get(topic);
    if (byFollower !== undefined) for (const follower of byFollower.keys()) follower.sendGap(topic, seq, epoch);
  }

  /** A Join or Leave of `topic` for its live filtered followers (presence is not filtered). */
  announce(notice: JoinFrame | LeaveFrame): void {
    const byFollower = this.live.get(notice.topic);
    if (byFollower === undefined) return;
    for (const follower of byFollower.keys()) follower.socket?.send(follower.wire.presence(notice), follower.wire.binary);
  }
}
