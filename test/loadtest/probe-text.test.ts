/** loadtest/dialects/probe-text.ts: the text probe is written at the asked size and read in place exactly as the slow parse reads it. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseProbeText, probe, probeEvent, probeText, readProbeText, PROBE_EVENT } from '../../loadtest/dialects/probe-text.js';
import { seeded } from '../helpers/fc-seed.js';

describe('probeText', () => {
  it('pads to the payload size, and grows past it only when the numbers need the room', () => {
    assert.equal(probeText(3, 1234.4, 16), '3:1234:aaaaaaaaa');
    assert.equal(probeText(3, 1234.5, 16).length, 16);
    assert.equal(probeText(123_456, 987_654_321_000, 8), '123456:987654321000:');
  });

  it('is the data of a Pusher event named lt', () => {
    assert.deepEqual(probeEvent(1, 2, 8), { event: PROBE_EVENT, data: '1:2:aaaa' });
    assert.equal(PROBE_EVENT, 'lt');
  });
});

describe('readProbeText', () => {
  const read = (text: string) => {
    const buf = Buffer.from(`#${text}#`, 'utf8');
    return readProbeText(buf, 1, buf.length - 1) < 0 ? undefined : { seq: probe.seq, sentUs: probe.sentUs };
  };

  it('reads what probeText wrote', () => {
    fc.assert(
      fc.property(fc.nat({ max: 999_999_999_999_999 }), fc.nat({ max: 999_999_999_999_999 }), fc.nat({ max: 200 }), (seq, sentUs, bytes) => {
        assert.deepEqual(read(probeText(seq, sentUs, bytes)), { seq, sentUs });
      }),
      seeded('probe text round trip', { numRuns: 500 }),
    );
  });

  it('agrees with the slow parse on any text', () => {
    const text = fc.oneof(fc.string({ unit: 'binary' }), fc.stringMatching(/^\d{0,17}:?\d{0,17}:?.{0,3}$/));
    fc.assert(
      fc.property(text, (t) => assert.deepEqual(read(t), parseProbeText(t))),
      seeded('probe text reader vs regex', { numRuns: 2000 }),
    );
  });

  it('refuses a number of 16 digits, which a float64 may not hold exactly', () => {
    assert.equal(read('1234567890123456:1:'), undefined);
    assert.deepEqual(read('123456789012345:1:'), { seq: 123_456_789_012_345, sentUs: 1 });
  });
});
