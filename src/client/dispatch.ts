/**
 * Inbound frame dispatch: turns one WebSocket message into server frames and hands each to the
 * handler for its kind. Knows nothing about sockets or what the handlers do, so it is tested with a
 * plain handler table.
 */
import type { Codec } from '../protocol/codec.js';
import { toError } from '../protocol/errors.js';
import { Kind, type ErrorFrame, type GapFrame, type JoinFrame, type LeaveFrame, type MessageFrame, type PushFrame, type ReplyFrame, type ServerFrame, type WelcomeFrame } from '../protocol/frames.js';
import { toServerFrame } from '../protocol/shapes.js';

/** One handler per server frame kind, plus where problems go. */
export interface FrameHandlers {
  welcome(frame: WelcomeFrame): void;
  message(frame: MessageFrame): void;
  gap(frame: GapFrame): void;
  reply(frame: ReplyFrame): void;
  error(frame: ErrorFrame): void;
  presence(frame: JoinFrame | LeaveFrame): void;
  push(frame: PushFrame): void;
  /** An undecodable message, a frame of the wrong shape, or a handler that threw. */
  problem(error: Error): void;
}

/**
 * Dispatches every frame of one message, in order. A message may carry several frames (protocol
 * §2.1): a bad frame is reported and the rest still run. `current` is asked before each frame
 * because a handler may end the connection (the application closes the client from a listener),
 * and frames that arrived on a socket the client has let go of must not touch its new state.
 */
export function dispatchMessage(raw: unknown, codec: Codec, handlers: FrameHandlers, current: () => boolean = () => true): void {
  let values: unknown[];
  try {
    values = codec.decode(typeof raw === 'string' ? raw : new Uint8Array(raw as ArrayBuffer));
  } catch (err) {
    handlers.problem(toError(err));
    return;
  }
  for (const value of values) {
    if (!current()) return;
    try {
      dispatchFrame(toServerFrame(value), handlers);
    } catch (err) {
      handlers.problem(toError(err));
    }
  }
}

/** Calls the handler for the frame's kind. */
export function dispatchFrame(frame: ServerFrame, handlers: FrameHandlers): void {
  switch (frame.kind) {
    case Kind.Welcome:
      return handlers.welcome(frame);
    case Kind.Message:
      return handlers.message(frame);
    case Kind.Gap:
      return handlers.gap(frame);
    case Kind.Reply:
      return handlers.reply(frame);
    case Kind.Error:
      return handlers.error(frame);
    case Kind.Join:
    case Kind.Leave:
      return handlers.presence(frame);
    case Kind.Push:
      return handlers.push(frame);
    default: {
      const unreachable: never = frame;
      throw new Error(`unhandled frame ${JSON.stringify(unreachable)}`);
    }
  }
}
