/**
 * Decoding the messages of a topic's channel (written by the scripts in scripts.ts): publications
 * `p<epoch>:<seq>:<payload bytes>`, publications that exclude a connection
 * `x<epoch>:<seq>:<id length>:<id><payload bytes>` (the id's byte length, so any id is safe),
 * tagged publications `g<epoch>:<seq>:<id length>:<id><tags length>:<tags JSON><payload bytes>`
 * (id length 0 without an exclusion), and presence notices `j<json>` / `l<json>`. A publication
 * without an exclusion or tags keeps the `p` form.
 */
import type { PresenceMember } from '../../../protocol/frames.js';
import type { Tags } from '../../../protocol/tags.js';

/** A publication as it came off the channel. */
export interface FeedPublication {
  readonly type: 'publication';
  readonly epoch: string;
  readonly seq: number;
  /** A view into the received buffer (not copied). */
  readonly payload: Uint8Array;
  /** The connection id that must not get it (`PublishOptions.exclude`), if any. */
  readonly exclude?: string;
  /** The publication's tags, if any. */
  readonly tags?: Tags;
}

/** A presence notice as it came off the channel. */
export interface FeedPresence {
  readonly type: 'join' | 'leave';
  readonly member: PresenceMember;
}

const P = 0x70; // 'p'
const X = 0x78; // 'x'
const G = 0x67; // 'g'
const J = 0x6a; // 'j'
const L = 0x6c; // 'l'
const COLON = 0x3a;

/** Decodes one channel message; undefined for anything malformed (never thrown at the subscriber). */
export function decodeFeedMessage(message: Buffer): FeedPublication | FeedPresence | undefined {
  const type = message[0];
  if (type === P || type === X || type === G) {
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
    if (!Number.isSafeInteger(length) || length < (type === X ? 1 : 0) || lengthEnd + 1 + length > message.length) return undefined;
    const exclude = length === 0 ? undefined : message.toString('utf8', lengthEnd + 1, lengthEnd + 1 + length);
    if (type === X) return { type: 'publication', epoch, seq, payload: message.subarray(lengthEnd + 1 + length), exclude };
    const tagsStart = lengthEnd + 1 + length;
    const tagsLengthEnd = message.indexOf(COLON, tagsStart);
    if (tagsLengthEnd < 0) return undefined;
    const tagsLength = Number(message.toString('latin1', tagsStart, tagsLengthEnd));
    if (!Number.isSafeInteger(tagsLength) || tagsLength <= 0 || tagsLengthEnd + 1 + tagsLength > message.length) return undefined;
    const tags = decodeStoredTags(message.toString('utf8', tagsLengthEnd + 1, tagsLengthEnd + 1 + tagsLength));
    if (tags === undefined) return undefined;
    const payload = message.subarray(tagsLengthEnd + 1 + tagsLength);
    return exclude === undefined ? { type: 'publication', epoch, seq, payload, tags } : { type: 'publication', epoch, seq, payload, exclude, tags };
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

/** Tags as the scripts keep them (in channel messages and stream entries): JSON of the validated map. */
export function encodeStoredTags(tags: Tags): string {
  return JSON.stringify(tags);
}

/**
 * Tags read back from Redis; undefined for '' (none) and for anything that is not a map of
 * strings (never thrown at a reader: another writer of the key space may have put it there).
 */
export function decodeStoredTags(text: string): Tags | undefined {
  if (text === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const tags = Object.create(null) as Record<string, string>;
  for (const [key, tag] of Object.entries(value)) {
    if (typeof tag !== 'string') return undefined;
    tags[key] = tag;
  }
  return tags;
}

/** A presence entry as stored: `<length>:<member key><json>` (the script needs the key to count users). */
export function encodePresenceEntry(memberKey: string, member: PresenceMember): string {
  return `${Buffer.byteLength(memberKey)}:${memberKey}${JSON.stringify(member)}`;
}
