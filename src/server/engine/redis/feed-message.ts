/**
 * Decoding the messages of a topic's channel (written by the scripts in scripts.ts): publications
 * `p<epoch>:<seq>:<payload bytes>`, publications that exclude a connection
 * `x<epoch>:<seq>:<id length>:<id><payload bytes>` (the id's byte length, so any id is safe), and
 * presence notices `j<json>` / `l<json>`. A publication without an exclusion keeps the `p` form.
 */
import type { PresenceMember } from '../../../protocol/frames.js';

/** A publication as it came off the channel. */
export interface FeedPublication {
  readonly type: 'publication';
  readonly epoch: string;
  readonly seq: number;
  /** A view into the received buffer (not copied). */
  readonly payload: Uint8Array;
  /** The connection id that must not get it (`PublishOptions.exclude`), if any. */
  readonly exclude?: string;
}

/** A presence notice as it came off the channel. */
export interface FeedPresence {
  readonly type: 'join' | 'leave';
  readonly member: PresenceMember;
}

const P = 0x70; // 'p'
const X = 0x78; // 'x'
const J = 0x6a; // 'j'
const L = 0x6c; // 'l'
const COLON = 0x3a;

/** Decodes one channel message; undefined for anything malformed (never thrown at the subscriber). */
export function decodeFeedMessage(message: Buffer): FeedPublication | FeedPresence | undefined {
  const type = message[0];
  if (type === P || type === X) {
    const epochEnd = message.indexOf(COLON, 1);
    if (epochEnd < 0) return undefined;
    const seqEnd = message.indexOf(COLON, epochEnd + 1);
    if (seqEnd < 0) return undefined;
    const seq = Number(message.toString('latin1', epochEnd + 1, seqEnd));
    if (!Number.isSafeInteger(seq) || seq <= 0) return undefined;
    const epoch = message.toString('latin1', 1, epochEnd);
    if (type === P) return { type: 'publication', epoch, seq, payload: message.subarray(seqEnd + 1) };
    const lengthEnd = message.indexOf(COLON, seqEnd + 1);
    if (lengthEnd < 0) return undefined;
    const length = Number(message.toString('latin1', seqEnd + 1, lengthEnd));
    if (!Number.isSafeInteger(length) || length <= 0 || lengthEnd + 1 + length > message.length) return undefined;
    const exclude = message.toString('utf8', lengthEnd + 1, lengthEnd + 1 + length);
    return { type: 'publication', epoch, seq, payload: message.subarray(lengthEnd + 1 + length), exclude };
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
