/** The client's public option and event types. */
import type { WelcomeFrame } from '../protocol/frames.js';
import type { AuthRefusedError } from './auth-refusal.js';
import type { GapEvent } from './streams.js';

export type { ClientOptions } from './options.js';

/** A join or leave notice; `info` is the member's `info` token claim, absent when it has none. */
export interface PresenceEvent {
  topic: string;
  connectionId: string;
  userId: string | null;
  info?: unknown;
}

/** Lifecycle states. */
export type ClientState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Typed client events. */
export interface ClientEvents extends Record<string, unknown> {
  /** Connected and welcomed (also after each reconnect). */
  open: WelcomeFrame;
  /** The socket closed; `willReconnect` tells whether the client will try again. */
  close: { code: number; reason: string; willReconnect: boolean };
  /** Something failed outside a request: a notice from the server, a handler that threw. */
  error: Error;
  /**
   * The server refused authentication (close 4001, 4004, 4503, 4504 or 4505), after the `close`
   * event. `willReconnect` says whether the client tries again; when it does not, every call
   * waiting for the connection rejects with this error.
   */
  auth_error: AuthRefusedError;
  /** A reconnect is scheduled. */
  reconnecting: { attempt: number; delayMs: number };
  /** A Push frame: data the server sent to this connection only. */
  message: unknown;
  /**
   * A subscription was confirmed (first time, or renewed after a reconnect). `recovered` is set
   * when a position was sent: true when every missed message was replayed (and has been
   * delivered by the time this fires).
   */
  subscribed: { topic: string; epoch: string; seq: number; recovered: boolean | undefined; resubscribe: boolean };
  /** Messages were missed and could not be recovered: reload the topic's state from your backend. */
  gap: GapEvent;
  /** A user's first connection (or an anonymous connection) joined a presence-enabled topic we are subscribed to. */
  join: PresenceEvent;
  /** A user's last connection (or an anonymous connection) left a presence-enabled topic we are subscribed to. */
  leave: PresenceEvent;
}
