/**
 * Publish-path suite: what the server does once per publication, before uWS fans the bytes out
 * natively. The data is packed once (`packValue`, the unit that crosses the Broker), then wrapped
 * into a Message frame once per topic and format: the msgpack frame by splicing the packed data
 * behind a packed header (`msgpackMessageFrame`), the JSON frame only when JSON subscribers exist
 * (`jsonMessageFrame`, which unpacks the data again). "encode whole message frame" is the naive
 * alternative the splice avoids.
 */
import { jsonMessageFrame, Kind, msgpackCodec, msgpackMessageFrame, packValue } from '../src/protocol/index.js';
import { payload, SIZES, TOPIC } from './fixtures.js';
import type { BenchCase, BenchSuite } from './runner.js';

export const publishPathSuite: BenchSuite = {
  name: 'publish-path',
  description: 'per-publication frame building: pack once, msgpack splice, JSON frame',
  cases() {
    const cases: BenchCase[] = [];
    for (const size of SIZES) {
      const data = payload(size);
      const packed = packValue(data);
      cases.push(
        { name: `pack data, ${size} B payload`, fn: () => packValue(data) },
        { name: `build msgpack message frame from packed data (splice), ${size} B payload`, fn: () => msgpackMessageFrame(TOPIC, 123_456, packed) },
        { name: `encode whole msgpack message frame (no splice), ${size} B payload`, fn: () => msgpackCodec.encode({ kind: Kind.Message, topic: TOPIC, seq: 123_456, data }) },
        { name: `build JSON message frame from packed data, ${size} B payload`, fn: () => jsonMessageFrame(TOPIC, 123_456, packed) },
        {
          name: `publish, msgpack subscribers only: pack + splice, ${size} B payload`,
          fn: () => msgpackMessageFrame(TOPIC, 123_456, packValue(data)),
        },
        {
          name: `publish, both formats: pack + splice + JSON frame, ${size} B payload`,
          fn: () => {
            const p = packValue(data);
            return [msgpackMessageFrame(TOPIC, 123_456, p), jsonMessageFrame(TOPIC, 123_456, p)];
          },
        },
      );
    }
    return cases;
  },
};
