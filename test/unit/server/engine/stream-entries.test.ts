/**
 * The read scripts' reply layout (src/server/engine/redis/stream-entries.ts): four values per
 * publication, tags JSON last; '' (entries without tags, also those written before tags existed)
 * and anything that is not a map of strings read as untagged, never thrown at a reader.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readEntries } from '../../../../src/server/engine/redis/stream-entries.js';

const entry = (seq: number, tags: string): Array<Buffer | number> => [seq, Buffer.from([seq]), 1000 + seq, Buffer.from(tags)];

test('tagged and untagged entries from a READ reply (after its 3-value head) and a page reply (after its 1)', () => {
  const entries = [...entry(1, '{"venue":"x:1","side":"ü"}'), ...entry(2, ''), ...entry(3, '[1]'), ...entry(4, '{"a":1}'), ...entry(5, '{"a"')];
  for (const head of [[Buffer.from('E'), 5, 1], [1]] as Array<Array<Buffer | number>>) {
    const publications = readEntries([...head, ...entries], head.length);
    assert.deepEqual(publications.map((p) => [p.seq, [...p.payload], p.time]), [1, 2, 3, 4, 5].map((seq) => [seq, [seq], 1000 + seq]));
    assert.deepEqual(publications.map((p) => (p.tags === undefined ? undefined : { ...p.tags })), [{ venue: 'x:1', side: 'ü' }, undefined, undefined, undefined, undefined]);
    assert.equal('tags' in publications[1]!, false, 'an untagged publication has no tags key');
  }
});
