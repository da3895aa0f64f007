/**
 * Codec suite: encode and decode of every frame kind, by payload size where the kind carries one,
 * with our msgpack codec, our JSON codec and @msgpack/msgpack as the reference library. Our decode
 * cases include shape validation (toClientFrame / toServerFrame), as the server and client run it;
 * @msgpack/msgpack only decodes.
 */
import { decode as mpDecode, encode as mpEncode } from '@msgpack/msgpack';
import { Packr, Unpackr } from 'msgpackr';
import { assertStandardMsgpack, ErrorCode, jsonCodec, Kind, msgpackCodec, packValue, toClientFrame, toServerFrame, toWire, type Frame } from '../src/protocol/index.js';
import { payload, SIZES, TOPIC, VALIDATE_SIZES } from './fixtures.js';
import type { BenchCase, BenchSuite } from './runner.js';

/** A frame to benchmark and the label that names it in case names. */
interface Sample {
  label: string;
  frame: Frame;
  /** Client → server frames are validated with toClientFrame, the others with toServerFrame. */
  fromClient: boolean;
}

function samples(): Sample[] {
  const list: Sample[] = [
    { label: 'subscribe frame, 1 topic', frame: { kind: Kind.Subscribe, id: 1, topics: [TOPIC] }, fromClient: true },
    {
      label: 'welcome frame',
      frame: { kind: Kind.Welcome, connectionId: '52cd0af9-17', serverTime: 1_764_100_000_000, version: 1, limits: { maxPayloadBytes: 65536, maxSubscriptions: 1000, maxTopicBytes: 256 } },
      fromClient: false,
    },
    { label: 'error frame', frame: { kind: Kind.Error, id: 7, code: ErrorCode.NotFound, message: 'no rpc method "nope"' }, fromClient: false },
  ];
  for (const size of SIZES) {
    const data = payload(size);
    list.push(
      { label: `publish frame, ${size} B payload`, frame: { kind: Kind.Publish, id: 0, topic: TOPIC, data }, fromClient: true },
      { label: `message frame, ${size} B payload`, frame: { kind: Kind.Message, topic: TOPIC, seq: 123_456, data }, fromClient: false },
      { label: `reply frame, ${size} B payload`, frame: { kind: Kind.Reply, id: 7, data }, fromClient: false },
    );
  }
  return list;
}

/** A 100-byte Message frame (a price tick), the case the codec-overhead ratio is measured on. */
export function hundredByteMessage(): Frame {
  // [20, 'prices:btc-usd', 1, data] frames 18 bytes around the data.
  return { kind: Kind.Message, topic: TOPIC, seq: 1, data: payload(82) };
}

const RAW_ROUND_TRIP = 'pack+unpack message frame array, 100 B total (msgpackr alone)';
const CODEC_ROUND_TRIP = 'encode+decode message frame, 100 B total (msgpack codec)';

export const codecSuite: BenchSuite = {
  name: 'codec',
  description: 'encode / decode+validate per frame kind and payload size: msgpack codec vs JSON codec vs @msgpack/msgpack',
  cases() {
    const cases: BenchCase[] = [];
    for (const { label, frame, fromClient } of samples()) {
      const validate = fromClient ? toClientFrame : toServerFrame;
      const packed = msgpackCodec.encode(frame);
      const json = jsonCodec.encode(frame);
      const mpBytes = mpEncode(toWire(frame));
      cases.push(
        { name: `encode ${label} (msgpack codec)`, fn: () => msgpackCodec.encode(frame) },
        { name: `encode ${label} (JSON codec)`, fn: () => jsonCodec.encode(frame) },
        { name: `encode ${label} (@msgpack/msgpack)`, fn: () => mpEncode(toWire(frame)) },
        { name: `decode+validate ${label} (msgpack codec)`, fn: () => validate(msgpackCodec.decode(packed)[0]) },
        { name: `decode+validate ${label} (JSON codec)`, fn: () => validate(jsonCodec.decode(json)[0]) },
        { name: `decode ${label} (@msgpack/msgpack, no validation)`, fn: () => mpDecode(mpBytes) },
      );
    }
    const hundred = hundredByteMessage();
    const bytes = msgpackCodec.encode(hundred);
    if (bytes.length !== 100) throw new Error(`the 100 B message frame packs to ${bytes.length} bytes`);
    // The baseline: msgpackr alone, configured as the codec is, on the same wire array.
    const rawPackr = new Packr({ useRecords: false, encodeUndefinedAsNil: true, variableMapSize: true });
    const rawUnpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number', copyBuffers: true });
    const wire = toWire(hundred);
    cases.push(
      { name: RAW_ROUND_TRIP, fn: () => rawUnpackr.unpackMultiple(rawPackr.pack(wire)) },
      { name: CODEC_ROUND_TRIP, fn: () => msgpackCodec.decode(msgpackCodec.encode(hundred)) },
      { name: 'encode+decode+validate message frame, 100 B total (msgpack codec)', fn: () => toServerFrame(msgpackCodec.decode(msgpackCodec.encode(hundred))[0]) },
    );
    // The strict standard-msgpack scan on the publish path: once per inbound message (inside
    // codec.decode), once per HTTP msgpack body, once per publication (inside packValue).
    for (const size of VALIDATE_SIZES) {
      const data = payload(size);
      const packed = packValue(data);
      cases.push(
        { name: `validate standard msgpack, ${label(size)} payload (assertStandardMsgpack)`, fn: () => assertStandardMsgpack(packed) },
        { name: `pack data, ${label(size)} payload (msgpackr alone)`, fn: () => rawPackr.pack(data) },
        { name: `pack data, ${label(size)} payload (packValue: msgpackr + check)`, fn: () => packValue(data) },
      );
    }
    return cases;
  },
  ratios: [{ label: 'codec overhead, encode+decode of a 100 B message frame vs msgpackr alone', numerator: CODEC_ROUND_TRIP, denominator: RAW_ROUND_TRIP, target: 1.15 }],
};

function label(size: number): string {
  return size >= 1024 ? `${size / 1024} KiB` : `${size} B`;
}
