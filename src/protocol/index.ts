/** Wire protocol v1: frames, codecs, codes and errors, shared by server and client. */
export * from './frames.js';
export * from './codes.js';
export * from './errors.js';
export { topicProblem, assertTopic, DEFAULT_MAX_TOPIC_BYTES } from './topic.js';
export { toClientFrame, toServerFrame, toWire } from './shapes.js';
export {
  type Codec,
  msgpackCodec,
  jsonCodec,
  codecFor,
  packValue,
  unpackValue,
  msgpackMessageFrame,
  jsonMessageFrame,
} from './codec.js';
export { assertStandardMsgpack, assertStandardMsgpackSequence, scanStandardMsgpack, MAX_MSGPACK_DEPTH } from './standard-msgpack.js';
export { negotiateSubprotocol, subprotocolsFor, type Negotiated } from './subprotocol.js';
