/**
 * The Pusher protocol front (protocol 7): greets each socket with `pusher:connection_established`,
 * decodes its JSON events (synchronously, within the rate limits) and hands them to the channel
 * rules. Hostile input gets Pusher's errors and touches no other socket.
 */
import { jsonCodec } from '../../../protocol/codec.js';
import { toError } from '../../../protocol/errors.js';
import type { Connection, ConnectionWire } from '../../connection/connection.js';
import type { ReportError } from '../../connection/hooks.js';
import type { Negotiated } from '../../connection/upgrade.js';
import type { Lifecycle } from '../../connection/lifecycle.js';
import type { TrafficCounters } from '../../connection/traffic.js';
import type { ProtocolFront } from '../front.js';
import type { PusherApp } from './apps.js';
import type { ChannelRules } from './channel-rules.js';
import { ACTIVITY_TIMEOUT_SECONDS, PusherCode } from './codes.js';
import { decodeClientEvent, encodeEvent, errorEvent, PusherInputError, type ClientEvent } from './events.js';
import type { PusherSocket, PusherSockets } from './sockets.js';
import { pusherWire } from './wire.js';

/** How every Pusher socket speaks: JSON text, following topics in the Pusher format. */
export const speaksPusher: ConnectionWire = { format: 'json', wire: pusherWire, codec: jsonCodec };

export interface PusherFrontDeps {
  rules: ChannelRules;
  sockets: PusherSockets;
  lifecycle: Lifecycle;
  traffic: TrafficCounters;
  maxPayloadBytes: number;
  reportError: ReportError;
}

export class PusherFront implements ProtocolFront {
  readonly wires = [pusherWire];
  // The app each accepted connection came for, from the upgrade until it opens.
  private readonly adopted = new WeakMap<Connection, PusherApp>();
  private readonly states = new WeakMap<Connection, PusherSocket>();

  constructor(private readonly deps: PusherFrontDeps) {}

  /** Pusher has no subprotocol: the app key and version are in the URL (see upgrade.ts). */
  negotiate(): Negotiated {
    return { speaks: speaksPusher, subprotocol: '', token: undefined };
  }

  /** Remembers which app an accepted connection is for (called by the upgrade before the socket opens). */
  adopt(connection: Connection, app: PusherApp | undefined): void {
    if (app !== undefined) this.adopted.set(connection, app);
  }

  open(connection: Connection): void {
    const app = this.adopted.get(connection);
    if (connection.refusal !== undefined || app === undefined) {
      const refusal = connection.refusal ?? { code: PusherCode.AppNotFound, reason: 'Unknown app' };
      // The common upgrade refuses with native codes (origin 4505, ...): pusher-js reads 4300 and
      // up as "refused" too, but 4009 is Pusher's own word for it.
      const code = refusal.code >= 4000 && refusal.code < 4300 ? refusal.code : PusherCode.Unauthorized;
      // Pusher says why in an event first: pusher-js reads it during the handshake.
      connection.socket?.send(errorEvent(code, refusal.reason), false);
      return connection.close(code, refusal.reason);
    }
    const socket: PusherSocket = { app, connection, members: new Map(), userId: undefined, clientEventsDue: 0 };
    this.states.set(connection, socket);
    this.deps.sockets.add(socket);
    this.deps.lifecycle.opened(connection);
    connection.socket?.send(encodeEvent('pusher:connection_established', { socket_id: connection.id, activity_timeout: ACTIVITY_TIMEOUT_SECONDS }), false);
    this.deps.lifecycle.ready(connection);
  }

  message(connection: Connection, message: ArrayBuffer, isBinary: boolean): void {
    const socket = this.states.get(connection);
    if (socket === undefined) return; // refused, closing
    const { traffic, maxPayloadBytes } = this.deps;
    traffic.messagesIn++;
    traffic.bytesIn += message.byteLength;
    connection.messagesIn++;
    connection.bytesIn += message.byteLength;
    if (message.byteLength > maxPayloadBytes) {
      // The socket may come back (4200 range would loop at once; back off instead).
      return connection.close(PusherCode.OverCapacity, `message larger than ${maxPayloadBytes} bytes`);
    }
    const guard = connection.guard;
    if (guard !== undefined && (!guard.allowBytes(message.byteLength) || !guard.allowFrames(1))) {
      traffic.rateLimited++;
      return connection.close(PusherCode.OverCapacity, 'rate limit exceeded');
    }
    if (isBinary) return this.bad(connection, 'Binary messages are not supported');
    let event: ClientEvent;
    try {
      event = decodeClientEvent(Buffer.from(message).toString('utf8'));
    } catch (err) {
      return this.bad(connection, err instanceof PusherInputError ? err.message : 'Invalid message');
    }
    try {
      this.deps.rules.handle(socket, event);
    } catch (err) {
      // Nothing may escape into the transport: report it, tell the client, keep the socket.
      this.deps.reportError(toError(err), connection);
      connection.socket?.send(errorEvent(null, 'internal error'), false);
    }
  }

  close(connection: Connection, code: number, reason: string): void {
    const socket = this.states.get(connection);
    if (socket === undefined) return this.deps.lifecycle.refusedClosed(connection);
    this.deps.lifecycle.closed(connection, code, reason);
    this.deps.rules.closed(socket);
    this.deps.sockets.delete(socket);
  }

  private bad(connection: Connection, message: string): void {
    this.deps.traffic.badFrames++;
    connection.badFrames++;
    connection.socket?.send(errorEvent(null, message), false);
  }
}
