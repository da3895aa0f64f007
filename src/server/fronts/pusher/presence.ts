/**
 * Pusher presence channels on the engine's presence store. A Pusher member is the `channel_data`
 * a socket subscribed with (`user_id`, `user_info`), not the connection, so the front joins the
 * store with that identity; the store counts by user across connections (and across servers with
 * a shared store), and its Join/Leave notices reach every format through the core's announce door:
 * Pusher sockets get `pusher_internal:member_added/removed`, native ones Join/Leave frames.
 */
import type { TopicCore } from '../../core/topic-core.js';
import type { PresenceStore, PresenceSubject } from '../../engine/engine.js';
import type { JoinFrame, LeaveFrame } from '../../../protocol/frames.js';
import type { MaybePromise } from '../../engine/history.js';

/** The `presence` object of a presence channel's `subscription_succeeded`. */
export interface PresenceData {
  ids: string[];
  hash: Record<string, unknown>;
  count: number;
}

export class PusherPresence {
  constructor(
    private readonly store: PresenceStore,
    private readonly core: TopicCore,
  ) {}

  /** Records a member; announces member_added when it is the user's first socket on the channel. */
  async join(channel: string, subject: PresenceSubject): Promise<void> {
    this.announce(await this.store.join(channel, subject));
  }

  /** Records a member leaving; announces member_removed when it was the user's last socket there. */
  async leave(channel: string, subject: PresenceSubject): Promise<void> {
    this.announce(await this.store.leave(channel, subject));
  }

  /** The channel's members, one entry per user (Pusher's `presence` hash). */
  async data(channel: string): Promise<PresenceData> {
    const info = await this.store.info(channel);
    const hash: Record<string, unknown> = {};
    const ids: string[] = [];
    for (const member of info.members) {
      const id = member.userId ?? member.connectionId;
      if (Object.hasOwn(hash, id)) continue;
      ids.push(id);
      hash[id] = member.info ?? null;
    }
    return { ids, hash, count: info.users };
  }

  /** Distinct users on a channel (the HTTP API's `user_count`). */
  users(channel: string): MaybePromise<number> {
    const info = this.store.info(channel, 0);
    return info instanceof Promise ? info.then((answer) => answer.users) : info.users;
  }

  /** User ids on a channel (the HTTP API's `users`). */
  async userIds(channel: string): Promise<string[]> {
    return (await this.data(channel)).ids;
  }

  private announce(notice: JoinFrame | LeaveFrame | undefined): void {
    if (notice !== undefined) this.core.presenceDue(notice);
  }
}

/** The presence identity a subscription's `channel_data` gives, or a reason it gives none. */
export function memberOf(socketId: string, channelData: string | undefined): PresenceSubject | string {
  if (channelData === undefined) return 'presence channels need channel_data';
  let value: unknown;
  try {
    value = JSON.parse(channelData);
  } catch {
    return 'channel_data is not valid JSON';
  }
  if (typeof value !== 'object' || value === null) return 'channel_data must be an object';
  const { user_id: userId, user_info: userInfo } = value as Record<string, unknown>;
  if ((typeof userId !== 'string' || userId === '') && typeof userId !== 'number') return 'channel_data.user_id must be a non-empty string or a number';
  const claims: Record<string, unknown> = userInfo === undefined ? {} : { info: userInfo };
  return { id: socketId, userId: String(userId), claims };
}
