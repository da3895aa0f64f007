/**
 * What `createServer` needs from a transport as a whole: fan-out, HTTP routes, WebSocket routes
 * served by a protocol front, and a listen socket. The uWS transport (uws/uws-transport.ts) is the
 * one implementation; this interface keeps server.ts free of uWS types.
 */
import type { HttpRouter } from './http.js';
import type { Fanout } from './socket.js';
import type { SocketPeer, Upgrader, WebSocketHandler, WebSocketLimits } from './websocket.js';

/** Which build of the transport is serving. */
export interface TransportBuild {
  name: string;
  version: string;
  tls: boolean;
  compression: boolean;
  /** Builds tried before this one, with why each failed to load. */
  skipped: readonly string[];
  /** One line for logs. */
  description: string;
}

/** A WebSocket and HTTP server as `createServer` drives it. */
export interface ServerTransport {
  readonly build: TransportBuild;
  readonly fanout: Fanout;
  readonly router: HttpRouter;
  /** Serves WebSocket upgrades on `pattern` through `upgrader`, then the socket's events to `handler` (a protocol front). */
  websocket<P extends SocketPeer>(pattern: string, handler: WebSocketHandler<P>, upgrader: Upgrader<P>, limits: WebSocketLimits): void;
  /**
   * Starts listening; resolves with the bound port. `exclusive`: refuse to share the port (without
   * it Linux lets a second process bind it and silently split the connections).
   */
  listen(host: string, port: number, exclusive: boolean): Promise<number>;
  /** Stops accepting connections; HTTP answers from then on close their connection (`Connection: close`). */
  stopListening(): void;
  /** Drops every remaining socket (keep-alive HTTP, unresponsive peers) so the process can exit. */
  close(): void;
}
