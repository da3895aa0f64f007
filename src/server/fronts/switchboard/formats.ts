/**
 * The Switchboard protocol's two wire formats (msgpack and JSON) as the topic core sees them: how a
 * publication, a presence notice and a gap notice look on the wire. The msgpack format's fan-out
 * name is the empty string, so msgpack sockets follow the bare topic (the common case pays for no
 * extra name); JSON sockets follow a shadow name (see uws/fanout.ts).
 */
import { jsonCodec, msgpackCodec } from '../../../protocol/codec.js';
import { jsonMessageFrame, msgpackMessageFrame } from '../../../protocol/message-frame.js';
import { Kind, type Format } from '../../../protocol/frames.js';
import type { ConnectionWire } from '../../connection/connection.js';
import type { WireFormat } from '../../core/wire-format.js';

export const msgpackWire: WireFormat = {
  name: '',
  binary: true,
  message: msgpackMessageFrame,
  presence: (notice) => msgpackCodec.encode(notice),
  gap: (topic, seq, epoch) => msgpackCodec.encode(epoch === undefined ? { kind: Kind.Gap, topic, seq } : { kind: Kind.Gap, topic, seq, epoch }),
  // msgpack values simply follow each other in one message.
  join: (messages) => concat(messages as readonly Uint8Array[]),
};

export const jsonWire: WireFormat = {
  name: 'json',
  binary: false,
  message: jsonMessageFrame,
  presence: (notice) => jsonCodec.encode(notice),
  gap: (topic, seq, epoch) => jsonCodec.encode(epoch === undefined ? { kind: Kind.Gap, topic, seq } : { kind: Kind.Gap, topic, seq, epoch }),
  // JSON frames are newline-separated (JSON.stringify never emits a raw newline).
  join: (messages) => messages.join('\n'),
};

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const part of parts) size += part.length;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** The Switchboard protocol's formats, in the order the core encodes them. */
export const SWITCHBOARD_WIRES: readonly WireFormat[] = [msgpackWire, jsonWire];

const speaksMsgpack: ConnectionWire = { format: 'msgpack', wire: msgpackWire, codec: msgpackCodec };
const speaksJson: ConnectionWire = { format: 'json', wire: jsonWire, codec: jsonCodec };

/** How a Switchboard-protocol connection negotiated to `format` speaks. */
export function switchboardWire(format: Format): ConnectionWire {
  return format === 'json' ? speaksJson : speaksMsgpack;
}
