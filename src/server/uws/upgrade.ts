/**
 * The uWS side of a WebSocket upgrade: reads the request synchronously (uWS's HttpRequest is only
 * valid during the callback), hands it to the transport-neutral upgrader, and completes the
 * upgrade with the connection as user data, corked when it happens after an await. A refused
 * connection gets no uWS socket: its whole life is written as one HTTP answer that closes the TCP
 * connection (refusal-answer.ts says why).
 */
import type { Connection } from '../connection/connection.js';
import { addressText } from '../connection/net-address.js';
import type { UpgradeInput, UpgradeResponse, Upgrader } from '../connection/upgrade.js';
import type { ProtocolFront } from '../fronts/front.js';
import type { HttpRequest, HttpResponse, SocketContext } from './binding.js';
import { UwsHttpExchange } from './http-exchange.js';
import { closeFrame, REFUSAL_HEADER, refusalBytes, RefusedSocket, webSocketAccept, type AnswerLayout } from './refusal-answer.js';

/** How refusals are answered: set once the transport has measured this uWS build (answer-layout.ts). */
export interface RefusalAnswers {
  layout: AnswerLayout | undefined;
}

/** The uWS user data: one reference to the state object, which keeps its identity (uWS copies user data's own properties). */
export interface UserData {
  connection: Connection;
}

class UwsUpgradeResponse extends UwsHttpExchange implements UpgradeResponse {
  /** True while the uWS upgrade callback runs (the response is corked by uWS then). */
  inCallback = true;

  constructor(
    res: HttpResponse,
    private readonly key: string,
    private readonly extensions: string,
    private readonly context: SocketContext,
    private readonly front: ProtocolFront,
    private readonly refusals: RefusalAnswers,
    /** Whether the request's Connection header has the `Upgrade` token, as every WebSocket client sends. */
    private readonly connectionUpgrade: boolean,
  ) {
    super(res);
  }

  accept(connection: Connection, subprotocol: string): void {
    if (!this.open) return;
    this.answered = true;
    const userData: UserData = { connection };
    const upgrade = () => this.res.upgrade(userData, this.key, subprotocol, this.extensions, this.context);
    if (this.inCallback) upgrade();
    else this.res.cork(upgrade);
  }

  refuse(connection: Connection, subprotocol: string): void {
    if (!this.open) {
      connection.guard?.release();
      return;
    }
    const layout = this.refusals.layout;
    // Without a measured layout, or for a request whose Connection header would change what uWS
    // adds (only a handshake without `Upgrade` in it, which no WebSocket client sends), refuse the
    // old way: a uWS socket that the front closes, kept by uWS until its end() timeout.
    if (layout === undefined || !this.connectionUpgrade) return this.accept(connection, subprotocol);
    // The front "opens" the connection as it would any other and writes its refusal (a Pusher
    // error event, then the close), which this socket keeps for the answer.
    const socket = new RefusedSocket();
    connection.socket = socket;
    this.front.open(connection);
    // A front that forgot to close must not leave the peer waiting for frames that never come.
    if (socket.closed === undefined && connection.refusal !== undefined) connection.close(connection.refusal.code, connection.refusal.reason);
    connection.socket = undefined;
    const closed = socket.closed ?? { code: 0, reason: '', frame: closeFrame(0, '') };
    const bytes = refusalBytes(socket.frames, closed.frame, layout);
    this.answered = true;
    const answer = () => {
      this.res.writeStatus('101 Switching Protocols').writeHeader('Upgrade', 'websocket').writeHeader('Connection', 'Upgrade').writeHeader('Sec-WebSocket-Accept', webSocketAccept(this.key));
      if (subprotocol !== '') this.res.writeHeader('Sec-WebSocket-Protocol', subprotocol);
      this.res.writeHeader(REFUSAL_HEADER, bytes.headerValue);
      // Shuts the socket down and closes it as soon as the bytes are written: in this call, or
      // when the upgrade callback returns, before any other JavaScript runs.
      this.res.end(bytes.body, true);
    };
    if (this.inCallback) answer();
    else this.res.cork(answer);
    // The socket is gone: the front frees what the connection held, its admission slot included.
    this.front.close(connection, closed.code, closed.reason);
  }
}

/** Builds the `upgrade` handler of a uWS WebSocket behavior around an upgrader. */
export function uwsUpgradeHandler(upgrader: Upgrader, front: ProtocolFront, refusals: RefusalAnswers) {
  return (res: HttpResponse, req: HttpRequest, context: SocketContext): void => {
    const connectionUpgrade = /(?:^|,)\s*upgrade\s*(?:,|$)/i.test(req.getHeader('connection'));
    const response = new UwsUpgradeResponse(res, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-extensions'), context, front, refusals, connectionUpgrade);
    const input: UpgradeInput = {
      url: req.getUrl(),
      query: req.getQuery() ?? '',
      peerAddress: addressText(res.getRemoteAddressAsText()),
      header: (name) => req.getHeader(name),
      allHeaders: () => {
        const headers: Record<string, string> = {};
        req.forEach((name, value) => {
          headers[name] = value;
        });
        return headers;
      },
    };
    upgrader(input, response);
    response.inCallback = false;
  };
}
