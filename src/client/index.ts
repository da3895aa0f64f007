/** Public entry point of the client SDK (`import { connect } from 'switchboard-rt/client'`). Runs in Node and browsers. */
import { SwitchboardClient, type ClientOptions } from './client.js';

export { SwitchboardClient, type ClientOptions, type ClientEvents, type ClientState, type GapEvent, type MessageContext, type MessageHandler, type SubscribeOptions } from './client.js';
export type { WebSocketConstructor, WebSocketLike } from './transport.js';
export { backoffDelay, type BackoffOptions } from './backoff.js';
export { AuthRefusedError } from './auth-refusal.js';
export { ErrorCode, CloseCode, shouldReconnect, SwitchboardError, ProtocolError, RemoteError, LimitError } from '../protocol/index.js';
export type { Format, PresenceInfo, PresenceMember, StreamPosition, TopicPosition, WelcomeFrame, TagFilter, Tags } from '../protocol/index.js';
export type { PresenceEvent } from './types.js';

/** Opens a client that connects (and reconnects) to a Switchboard server at `url`. */
export function connect(url: string, options: ClientOptions = {}): SwitchboardClient {
  return new SwitchboardClient(url, options);
}
