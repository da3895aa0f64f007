/**
 * Decoding the messages of a topic's channel (written by the scripts in scripts.ts): publications
 * `p<epoch>:<seq>:<payload bytes>`, and presence notices `j<json>` / `l<json>`.
 */
import type { PresenceMember } from '../../../protocol/frames.js';

/** A publication as it came off the channel. */
export interface FeedPublication {
  readonly type: 'publication';
  readonly epoch: string;
  readonly seq: number;
  /** A view into the received buffer (not copied). */
  readonly payload: Uint8Array;
}

/** A presence notice as it came off the channel. */
export interface FeedPresence {
  readonly type: 'join' | 'leave';
  readonly member: PresenceMember;
}

const P = 0x70; // 'p'
const J = 0x6a; // 'j'
const L = 0x6c; // 'l'
const COLON = 0x3a;

/** Decodes one channel message; undefined for anything malformed (never thrown at the subscriber). */
export function decodeFeedMessage(message: Buffer): FeedPublication | FeedPresence | undefined {
  const type = message[0];
  if (type === P) {
    const epochEnd = message.indexOf(COLON, 1);
    if (epochEnd < 0) return undefined;
    const seqEnd = message.indexOf(COLON, epochEnd + 1);
    if (seqEnd < 0) return undefined;
    const seq = Number(message.toString('latin1', epochEnd + 1, seqEnd));
    if (!Number.isSafeInteger(seq) || seq <= 0) return undefined;
    return { type: 'publication', epoch: message.toString('latin1', 1, epochEnd), seq, payload: message.subarray(seqEnd + 1) };
  }
  if (type === J || type === L) {
    try {
      const member = JSON.parse(message.toString('utf8', 1)) as PresenceMember;
      return { type: type === J ? 'join' : 'leave', member };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** A presence entry as stored: `<length>:<member key><json>` (the script needs the key to count users). */
export function encodePresenceEntry(memberKey: string, member: PresenceMember): string {
  return `${Buffer.byteLength(memberKey)}:${memberKey}${JSON.stringify(member)}`;
}
