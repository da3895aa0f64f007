/**
 * The uWS side of a WebSocket upgrade: reads the request synchronously (uWS's HttpRequest is only
 * valid during the callback), hands it to the transport-neutral upgrader, and completes the
 * upgrade with the accepted peer (a connection) as user data, corked when it happens after an
 * await. A refused connection gets no uWS socket: its whole life is written as one HTTP answer
 * that closes the TCP connection (refusal-answer.ts says why).
 */
import type { SocketPeer, UpgradeInput, UpgradeResponse, Upgrader, WebSocketHandler } from '../transport/websocket.js';
import { addressText } from './address.js';
import type { HttpRequest, HttpResponse, SocketContext } from './binding.js';
import { UwsHttpExchange } from './http-exchange.js';
import { closeFrame, REFUSAL_HEADER, refusalBytes, RefusedSocket, webSocketAccept, type AnswerLayout } from './refusal-answer.js';

/** How refusals are answered: set once the transport has measured this uWS build (answer-layout.ts). */
export interface RefusalAnswers {
  layout: AnswerLayout | undefined;
}

/** The uWS user data: one reference to the peer, which keeps its identity (uWS copies user data's own properties). */
export interface UserData<P extends SocketPeer> {
  peer: P;
}

class UwsUpgradeResponse<P extends SocketPeer> extends UwsHttpExchange implements UpgradeResponse<P> {
  /** True while the uWS upgrade callback runs (the response is corked by uWS then). */
  inCallback = true;

  constructor(
    res: HttpResponse,
    private readonly key: string,
    private readonly extensions: string,
    private readonly context: SocketContext,
    private readonly handler: WebSocketHandler<P>,
    private readonly refusals: RefusalAnswers,
    /** Whether the request's Connection header has the `Upgrade` token, as every WebSocket client sends. */
    private readonly connectionUpgrade: boolean,
  ) {
    super(res);
  }

  accept(peer: P, subprotocol: string): void {
    if (!this.open) return;
    this.answered = true;
    const userData: UserData<P> = { peer };
    const upgrade = () => this.res.upgrade(userData, this.key, subprotocol, this.extensions, this.context);
    if (this.inCallback) upgrade();
    else this.res.cork(upgrade);
  }

  refuse(peer: P, subprotocol: string): void {
    // The upgrader frees what the peer held when the client went away.
    if (!this.open) return;
    const layout = this.refusals.layout;
    // Without a measured layout, or for a request whose Connection header would change what uWS
    // adds (only a handshake without `Upgrade` in it, which no WebSocket client sends), refuse the
    // old way: a uWS socket that the front closes, kept by uWS until its end() timeout.
    if (layout === undefined || !this.connectionUpgrade) return this.accept(peer, subprotocol);
    // The front "opens" the connection as it would any other and writes its refusal (a Pusher
    // error event, then the close), which this socket keeps for the answer.
    const socket = new RefusedSocket();
    peer.socket = socket;
    this.handler.open(peer);
    // A front that forgot to close must not leave the client waiting for frames that never come.
    if (socket.closed === undefined && peer.refusal !== undefined) peer.close(peer.refusal.code, peer.refusal.reason);
    peer.socket = undefined;
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
    this.handler.close(peer, closed.code, closed.reason);
  }
}

/** Builds the `upgrade` handler of a uWS WebSocket behavior around an upgrader. */
export function uwsUpgradeHandler<P extends SocketPeer>(upgrader: Upgrader<P>, handler: WebSocketHandler<P>, refusals: RefusalAnswers) {
  return (res: HttpResponse, req: HttpRequest, context: SocketContext): void => {
    const connectionUpgrade = /(?:^|,)\s*upgrade\s*(?:,|$)/i.test(req.getHeader('connection'));
    const response = new UwsUpgradeResponse(res, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-extensions'), context, handler, refusals, connectionUpgrade);
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
