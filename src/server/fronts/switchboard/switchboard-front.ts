/**
 * The Switchboard v1 protocol front: subprotocol negotiation, the Welcome frame, and each inbound
 * message decoded (synchronously), rate-limited and handed frame by frame to the rules rules.
 */
import { CloseCode, ErrorCode } from '../../../protocol/codes.js';
import { ProtocolError, toError } from '../../../protocol/errors.js';
import { Kind, PROTOCOL_VERSION, Subprotocol, TOKEN_SUBPROTOCOL_PREFIX, type ClientFrame, type WelcomeLimits } from '../../../protocol/frames.js';
import { toClientFrame } from '../../../protocol/shapes.js';
import { negotiateSubprotocol } from '../../../protocol/subprotocol.js';
import type { ReportError } from '../../connection/hooks.js';
import type { Connection } from '../../connection/connection.js';
import type { Negotiated } from '../../connection/upgrade.js';
import type { Lifecycle } from '../../connection/lifecycle.js';
import type { TrafficCounters } from '../../connection/traffic.js';
import type { ProtocolFront } from '../front.js';
import { switchboardWire, SWITCHBOARD_WIRES } from './formats.js';
import type { FrameRules } from './frame-rules.js';

export interface SwitchboardFrontDeps {
  limits: WelcomeLimits;
  rules: FrameRules;
  lifecycle: Lifecycle;
  traffic: TrafficCounters;
  reportError: ReportError;
}

export class SwitchboardFront implements ProtocolFront {
  readonly wires = SWITCHBOARD_WIRES;
  private readonly limits: WelcomeLimits;
  private readonly rules: FrameRules;
  private readonly lifecycle: Lifecycle;
  private readonly traffic: TrafficCounters;
  private readonly reportError: ReportError;

  constructor(deps: SwitchboardFrontDeps) {
    this.limits = deps.limits;
    this.rules = deps.rules;
    this.lifecycle = deps.lifecycle;
    this.traffic = deps.traffic;
    this.reportError = deps.reportError;
  }

  negotiate(subprotocolHeader: string): Negotiated {
    const negotiated = negotiateSubprotocol(subprotocolHeader);
    const speaks = switchboardWire(negotiated.format);
    if (negotiated.selected === undefined) {
      // Offered subprotocols but none of ours: without an echo a browser fails the handshake
      // silently, so echo its first entry and close at once with a reason that names ours.
      const offered = subprotocolHeader.split(',').map((entry) => entry.trim()).find((entry) => entry !== '' && !entry.startsWith(TOKEN_SUBPROTOCOL_PREFIX));
      if (offered !== undefined) {
        const reason = `unknown subprotocol "${offered.slice(0, 40)}": use ${Subprotocol.msgpack} or ${Subprotocol.json}`;
        return { speaks, subprotocol: offered, token: negotiated.token, refusal: { code: CloseCode.UnsupportedSubprotocol, reason } };
      }
    }
    return { speaks, subprotocol: negotiated.selected ?? '', token: negotiated.token };
  }

  open(connection: Connection): void {
    if (connection.refusal !== undefined) return connection.close(connection.refusal.code, connection.refusal.reason);
    this.lifecycle.opened(connection);
    connection.sendFrame({ kind: Kind.Welcome, connectionId: connection.id, serverTime: Date.now(), version: PROTOCOL_VERSION, limits: this.limits });
    this.lifecycle.ready(connection);
  }

  message(connection: Connection, message: ArrayBuffer, isBinary: boolean): void {
    // A refused connection is closing: whatever it sent meanwhile is not for us.
    if (connection.refusal !== undefined) return;
    const traffic = this.traffic;
    traffic.messagesIn++;
    traffic.bytesIn += message.byteLength;
    connection.messagesIn++;
    connection.bytesIn += message.byteLength;
    const maxPayloadBytes = this.limits.maxPayloadBytes;
    if (message.byteLength > maxPayloadBytes) {
      connection.close(CloseCode.MessageTooBig, `message larger than ${maxPayloadBytes} bytes`);
      return;
    }
    const guard = connection.guard;
    if (guard !== undefined && !guard.allowBytes(message.byteLength)) return this.rateLimited(connection, 'byte rate limit exceeded');
    if (isBinary !== connection.codec.binary) {
      // Name the other mode: a plain `new WebSocket(url)` lands in msgpack mode and sends text.
      connection.close(
        CloseCode.UnsupportedData,
        connection.codec.binary
          ? `msgpack mode takes binary messages; for text, connect with subprotocol ${Subprotocol.json}`
          : `JSON mode takes text messages; for binary, connect with subprotocol ${Subprotocol.msgpack}`,
      );
      return;
    }
    // The buffer is only valid during this call: decode synchronously, right here.
    let values: unknown[];
    try {
      values = connection.codec.decode(new Uint8Array(message));
    } catch (err) {
      // An undecodable message counts as one frame, so garbage floods hit the same limit.
      if (guard !== undefined && !guard.allowFrames(1)) this.rateLimited(connection, 'message rate limit exceeded');
      else this.badFrame(connection, err);
      return;
    }
    // Counted in frames, not messages: one message may carry many.
    if (guard !== undefined && !guard.allowFrames(Math.max(1, values.length))) return this.rateLimited(connection, 'message rate limit exceeded');
    for (const value of values) {
      if (connection.closed) return;
      let frame: ClientFrame;
      try {
        frame = toClientFrame(value);
      } catch (err) {
        this.badFrame(connection, err);
        continue;
      }
      // Each topic of a Subscribe or Unsubscribe beyond the first counts as one more frame: it
      // costs what a frame of its own would (a backend call, a webhook event), and from the Pusher
      // door it would have been one.
      const extra = frame.kind === Kind.Subscribe || frame.kind === Kind.Unsubscribe ? frame.topics.length - 1 : 0;
      if (extra > 0 && guard !== undefined && !guard.allowFrames(extra)) return this.rateLimited(connection, 'message rate limit exceeded');
      this.handle(connection, frame);
    }
  }

  close(connection: Connection, code: number, reason: string): void {
    if (connection.refusal !== undefined) return this.lifecycle.refusedClosed(connection);
    this.lifecycle.closed(connection, code, reason);
  }

  private rateLimited(connection: Connection, reason: string): void {
    this.traffic.rateLimited++;
    connection.close(CloseCode.RateLimited, reason);
  }

  private badFrame(connection: Connection, err: unknown): void {
    this.traffic.badFrames++;
    connection.badFrames++;
    if (err instanceof ProtocolError) this.rules.error(connection, err.requestId, err.code, err.message);
    else this.rules.error(connection, 0, ErrorCode.Internal, 'internal error');
  }

  private handle(connection: Connection, frame: ClientFrame): void {
    try {
      this.rules.handle(connection, frame);
    } catch (err) {
      // Nothing may escape into the transport: report it and answer INTERNAL, the connection stays usable.
      this.reportError(toError(err), connection);
      if (!connection.closed) this.rules.error(connection, 'id' in frame ? frame.id : 0, ErrorCode.Internal, 'internal error');
    }
  }
}
