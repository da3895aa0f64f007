/**
 * Frame kinds and shapes of wire protocol v1 (see docs/protocol.md).
 * Every frame is an array whose first element is its numeric kind; the numbers are part of the
 * protocol: never renumber them.
 */
import type { TagFilter, Tags } from './tags.js';

/** Protocol version announced in the welcome frame and in the subprotocol names. */
export const PROTOCOL_VERSION = 1;

/** Frame kinds. 1–15 flow client → server, 16 and up server → client. */
export const Kind = {
  // client → server
  Subscribe: 1,
  Unsubscribe: 2,
  Publish: 3,
  Rpc: 4,
  Ping: 5,
  Send: 6,
  Refresh: 7,
  Presence: 8,
  History: 9,
  // server → client
  Welcome: 16,
  Message: 20,
  Reply: 21,
  Error: 22,
  Join: 23,
  Leave: 24,
  Push: 25,
  Gap: 26,
} as const;

export type KindName = keyof typeof Kind;

/** Limits the server announces in the welcome frame so clients can stay within them. */
export interface WelcomeLimits {
  /** Largest WebSocket message the server accepts, in bytes. */
  maxPayloadBytes: number;
  /** Most topics one connection may be subscribed to at once. */
  maxSubscriptions: number;
  /** Longest topic name, in UTF-8 bytes. */
  maxTopicBytes: number;
}

/** A position in a topic's stream: the topic's epoch and the last sequence number seen. */
export interface StreamPosition {
  epoch: string;
  seq: number;
}

/**
 * `[1, id, topics, extras?]`: subscribe to one or many topics; acked with a Reply when id > 0.
 * The optional extras map carries, per topic, the position to recover from (`positions`),
 * subscription tokens for private topics (`tokens`), and whether each topic should start with
 * its most recent publication (`latest`).
 */
export interface SubscribeFrame {
  kind: typeof Kind.Subscribe;
  id: number;
  topics: string[];
  /** Topic → last position seen; the server replays what came after it. */
  positions?: Record<string, StreamPosition>;
  /** Topic → subscription token (a JWT naming the topic). */
  tokens?: Record<string, string>;
  /**
   * True: every topic of the frame without a position starts with its most recent publication,
   * sent as a Message before the Reply. Only `true` is ever set (`false` on the wire is no request).
   */
  latest?: true;
  /**
   * Only publications whose tags pass this filter are sent, for every topic of the frame
   * (docs/protocol.md §5.6). Their Message frames keep the topic's seqs, so seqs jump.
   */
  filter?: TagFilter;
}
/** `[2, id, topics]`: leave topics; acked with a Reply when id > 0. */
export interface UnsubscribeFrame { kind: typeof Kind.Unsubscribe; id: number; topics: string[] }
/**
 * `[3, id, topic, data, options?]`: publish into a topic; fire-and-forget when id = 0, acked when
 * id > 0. The optional options map carries the publication's `tags` (docs/protocol.md §5.6).
 */
export interface PublishFrame { kind: typeof Kind.Publish; id: number; topic: string; data: unknown; tags?: Tags }
/** `[4, id, method, data]`: call a server-side handler; id must be > 0, answered by Reply or Error. */
export interface RpcFrame { kind: typeof Kind.Rpc; id: number; method: string; data: unknown }
/** `[5, id]`: liveness check; answered by a Reply carrying the server time when id > 0. */
export interface PingFrame { kind: typeof Kind.Ping; id: number }
/** `[6, id, data]`: an application message for the server's onMessage hook; acked when id > 0. */
export interface SendFrame { kind: typeof Kind.Send; id: number; data: unknown }
/** `[8, id, topic]`: who is present on a subscribed, presence-enabled topic; answered by a Reply with a PresenceInfo. */
export interface PresenceFrame { kind: typeof Kind.Presence; id: number; topic: string }
/**
 * `[9, id, topic, epoch, seq]`: replay what a subscribed topic published after `seq` in `epoch`. The
 * server sends the missed Message frames, then a Reply with a SubscribeResult.
 */
export interface HistoryFrame { kind: typeof Kind.History; id: number; topic: string; epoch: string; seq: number }

/**
 * `[7, id, token]`: replaces the connection token before it expires (same `sub`); acked with a
 * Reply carrying the new expiry (ms since the epoch, or null) when id > 0.
 */
export interface RefreshFrame { kind: typeof Kind.Refresh; id: number; token: string }

/** `[16, connectionId, serverTimeMs, protocolVersion, limits]`: first frame on every connection. */
export interface WelcomeFrame {
  kind: typeof Kind.Welcome;
  connectionId: string;
  serverTime: number;
  version: number;
  limits: WelcomeLimits;
}
/** `[20, topic, seq, data]`: a publication; seq increases by one per message on the topic. */
export interface MessageFrame { kind: typeof Kind.Message; topic: string; seq: number; data: unknown }
/** `[21, id, data]`: success answer to the request with the same id. */
export interface ReplyFrame { kind: typeof Kind.Reply; id: number; data: unknown }
/** `[22, id, code, message]`: failure answer to request id, or a connection-level notice when id = 0. */
export interface ErrorFrame { kind: typeof Kind.Error; id: number; code: number; message: string }
/** `[23, topic, connectionId, userId, info?]`: someone subscribed to a presence-enabled topic. */
export interface JoinFrame { kind: typeof Kind.Join; topic: string; connectionId: string; userId: string | null; info?: unknown }
/** `[24, topic, connectionId, userId, info?]`: someone left a presence-enabled topic. */
export interface LeaveFrame { kind: typeof Kind.Leave; topic: string; connectionId: string; userId: string | null; info?: unknown }
/** `[25, data]`: a message addressed to this connection only (server `client.send()`). */
export interface PushFrame { kind: typeof Kind.Push; data: unknown }
/**
 * `[26, topic, seq]`: messages on `topic` up to `seq` may have been skipped for this connection (slow
 * consumer, `drop` policy). A client whose last seq is lower asks for History.
 */
/** A gap notice; `epoch` is present when the topic's stream restarted (every older position is then unrecoverable). */
export interface GapFrame { kind: typeof Kind.Gap; topic: string; seq: number; epoch?: string }

/**
 * Reply data for Subscribe (one entry per topic) and History: the topic's epoch and last seq, and,
 * when a position was given, whether everything after it was replayed.
 */
export interface TopicPosition {
  epoch: string;
  seq: number;
  /** Present when the request carried a position: true when every missed message was replayed. */
  recovered?: boolean;
}

/** One entry of a presence list. */
export interface PresenceMember {
  userId: string | null;
  connectionId: string;
  info?: unknown;
}

/**
 * Reply data for Presence: distinct users (anonymous connections count one each), connections, and
 * one member entry per connection, grouped by user. The list is capped (1000 entries on the
 * reference server); `truncated` is true when entries were left out. The counts are always complete.
 */
export interface PresenceInfo {
  users: number;
  connections: number;
  members: PresenceMember[];
  truncated?: boolean;
}

export type ClientFrame = SubscribeFrame | UnsubscribeFrame | PublishFrame | RpcFrame | PingFrame | SendFrame | RefreshFrame | PresenceFrame | HistoryFrame;
export type ServerFrame = WelcomeFrame | MessageFrame | ReplyFrame | ErrorFrame | JoinFrame | LeaveFrame | PushFrame | GapFrame;
export type Frame = ClientFrame | ServerFrame;

/** Wire formats, negotiated with `Sec-WebSocket-Protocol`. */
export type Format = 'msgpack' | 'json';

/** Subprotocol names; a client lists the one it wants, the server echoes it back. */
export const Subprotocol = {
  msgpack: 'switchboard.v1.msgpack',
  json: 'switchboard.v1.json',
} as const;

/**
 * Prefix of the subprotocol entry that carries a connection token, for clients (browsers) that
 * cannot set headers: `new WebSocket(url, ['switchboard.v1.json', 'switchboard.token.' + jwt])`.
 */
export const TOKEN_SUBPROTOCOL_PREFIX = 'switchboard.token.';
