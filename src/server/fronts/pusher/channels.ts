/**
 * Pusher channel names: their kind (by prefix) and which names this server accepts. A Pusher
 * channel is the Switchboard topic of the same name, so a name must be a valid Pusher name and a
 * valid topic; Pusher's alphabet is a subset of the topics' (visible ASCII), so the second test
 * only adds the length limit.
 */
import { topicProblem } from '../../../protocol/topic.js';

/** Channel kinds, by name prefix. */
export const ChannelKind = { Public: 'public', Private: 'private', Presence: 'presence', Encrypted: 'encrypted' } as const;
export type ChannelKindValue = (typeof ChannelKind)[keyof typeof ChannelKind];

// Pusher's documented alphabet and length: letters, digits and `_ - = @ , . ;`, at most 164 characters.
const PUSHER_NAME = /^[A-Za-z0-9_\-=@,.;]{1,164}$/;

/** The kind a channel name asks for. */
export function channelKind(channel: string): ChannelKindValue {
  if (channel.startsWith('private-encrypted-')) return ChannelKind.Encrypted;
  if (channel.startsWith('private-')) return ChannelKind.Private;
  if (channel.startsWith('presence-')) return ChannelKind.Presence;
  return ChannelKind.Public;
}

/** Whether subscribing needs a signature from the app's backend. */
export function needsAuth(kind: ChannelKindValue): boolean {
  return kind !== ChannelKind.Public;
}

/** Why a channel name cannot be used, or null when it can. */
export function channelProblem(channel: string, maxTopicBytes: number): string | null {
  if (!PUSHER_NAME.test(channel)) return 'Invalid channel name: use 1 to 164 of A-Z a-z 0-9 _ - = @ , . ;';
  return topicProblem(channel, maxTopicBytes);
}
