/**
 * The uWS side of a WebSocket upgrade: reads the request synchronously (uWS's HttpRequest is only
 * valid during the callback), hands it to the transport-neutral upgrader, and completes the
 * upgrade with the connection as user data, corked when it happens after an await.
 */
import type { Connection } from '../connection/connection.js';
import { addressText } from '../connection/net-address.js';
import type { UpgradeInput, UpgradeResponse, Upgrader } from '../connection/upgrade.js';
import type { HttpRequest, HttpResponse, SocketContext } from './binding.js';
import { UwsHttpExchange } from './http-exchange.js';

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
}

/** Builds the `upgrade` handler of a uWS WebSocket behavior around an upgrader. */
export function uwsUpgradeHandler(upgrader: Upgrader) {
  return (res: HttpResponse, req: HttpRequest, context: SocketContext): void => {
    const response = new UwsUpgradeResponse(res, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-extensions'), context);
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
