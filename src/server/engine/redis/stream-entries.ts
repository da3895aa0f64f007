/**
 * Decoding the stream entries the read scripts return (scripts.ts APPEND_ENTRIES): four values per
 * publication, seq, payload, publish time and tags JSON ('' for none). One reader for the READ and
 * READ_PAGE replies, so the two cannot disagree on the layout.
 */
import type { Publication } from '../history.js';
import { decodeStoredTags } from './feed-message.js';

/** The publications in `reply` from index `from` on. */
export function readEntries(reply: ReadonlyArray<Buffer | number>, from: number): Publication[] {
  const publications: Publication[] = [];
  for (let i = from; i + 3 < reply.length; i += 4) {
    const tags = decodeStoredTags((reply[i + 3] as Buffer).toString('utf8'));
    const seq = reply[i] as number;
    const payload = reply[i + 1] as Buffer;
    const time = reply[i + 2] as number;
    publications.push(tags === undefined ? { seq, payload, time } : { seq, payload, time, tags });
  }
  return publications;
}
