import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { seeded } from '../../../helpers/fc-seed.js';
import { TopicLog } from '../../../../src/server/engine/topic-log.js';

const op = fc.oneof(
  fc.record({ push: fc.integer({ min: 0, max: 3000 }) }),
  fc.record({ shift: fc.integer({ min: 1, max: 5 }) }),
  fc.constant({ compact: true as const }),
);

test('property: the byte and entry rings (and tags) return exactly what a plain array would, through wraps, growth and compaction', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
      const log = new TopicLog();
      const model: Array<{ seq: number; payload: Uint8Array; time: number; tags?: Record<string, string> }> = [];
      let seq = 0;
      for (const step of ops) {
        if ('push' in step) {
          seq++;
          const payload = new Uint8Array(step.push).map((_, i) => (seq * 31 + i) & 0xff);
          // Every third publication tagged: tags must follow their slot through wraps and growth.
          const tags = seq % 3 === 0 ? { n: String(seq) } : undefined;
          log.push(seq, payload, seq * 10, tags);
          model.push(tags === undefined ? { seq, payload, time: seq * 10 } : { seq, payload, time: seq * 10, tags });
        } else if ('shift' in step) {
          for (let i = 0; i < step.shift; i++) {
            log.shift();
            model.shift();
          }
        } else {
          log.compact();
        }
        assert.equal(log.count, model.length);
        assert.equal(log.liveBytes, model.reduce((sum, p) => sum + p.payload.length, 0));
        if (model.length > 0) {
          assert.equal(log.first, model[0]!.seq);
          assert.equal(log.oldestTime(), model[0]!.time);
        }
      }
      assert.deepEqual(log.slice(0), model);
      if (model.length > 1) assert.deepEqual(log.slice(model[1]!.seq), model.slice(1));
    }),
    seeded('topic log vs an array model', { numRuns: 300 }),
  );
});

test('slices are copies: later pushes that reuse the ring do not change them', () => {
  const log = new TopicLog();
  log.push(1, Uint8Array.of(1, 1, 1), 0);
  const kept = log.slice(1);
  for (let seq = 2; seq < 200; seq++) {
    log.shift();
    log.push(seq, Uint8Array.of(9, 9, 9), 0);
  }
  assert.deepEqual([...kept[0]!.payload], [1, 1, 1]);
});

test('clear gives the buffers back', () => {
  const log = new TopicLog();
  for (let seq = 1; seq <= 100; seq++) log.push(seq, new Uint8Array(500), 0);
  assert.ok(log.allocatedBytes >= 50_000);
  log.clear();
  assert.equal(log.allocatedBytes, 0);
  assert.equal(log.count, 0);
});
