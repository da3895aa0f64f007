/** Wire protocol v1: frames, codecs, codes and errors, shared by server and client. Every public name is listed. */
export {
  PROTOCOL_VERSION,
  Kind,
  Subprotocol,
  TOKEN_SUBPROTOCOL_PREFIX,
  type KindName,
  type WelcomeLimits,
  type StreamPosition,
  type SubscribeFrame,
  type UnsubscribeFrame,
  type PublishFrame,
  type RpcFrame,
  type PingFrame,
  type SendFrame,
  type PresenceFrame,
  type HistoryFrame,
  type RefreshFrame,
  type WelcomeFrame,
  type MessageFrame,
  type ReplyFrame,
  type ErrorFrame,
  type JoinFrame,
  type LeaveFrame,
  type PushFrame,
  type GapFrame,
  type TopicPosition,
  type PresenceMember,
  type PresenceInfo,
  type ClientFrame,
  type ServerFrame,
  type Frame,
  type Format,
} from './frames.js';
export {
  ErrorCode,
  CloseCode,
  ERROR_TABLE,
  CLOSE_TABLE,
  errorInfo,
  errorName,
  closeInfo,
  shouldReconnect,
  type CodeInfo,
  type ErrorCodeValue,
  type CloseCodeValue,
} from './codes.js';
export { SwitchboardError, ProtocolError, AuthError, LimitError, OptionsError, RemoteError, toError } from './errors.js';
export { topicProblem, assertTopic, DEFAULT_MAX_TOPIC_BYTES } from './topic.js';
export { toClientFrame, toServerFrame, toWire } from './shapes.js';
export { TagLimits, readTags, readFilter, compileFilter, type Tags, type TagFilter, type TagMatcher } from './tags.js';
export { type Codec, msgpackCodec, jsonCodec, codecFor } from './codec.js';
export { packValue, unpackValue } from './msgpack-value.js';
export { msgpackMessageFrame, jsonMessageFrame } from './message-frame.js';
export { assertStandardMsgpack, assertStandardMsgpackSequence, scanStandardMsgpack, MAX_MSGPACK_DEPTH } from './standard-msgpack.js';
export { negotiateSubprotocol, subprotocolsFor, type Negotiated } from './subprotocol.js';
