/**
 * The Pusher WebSocket upgrade on `/app/:key`: finds the app by key and checks `?protocol=7`, then
 * runs the server's common upgrade (origin, admission, caps) without the native authentication:
 * a Pusher connection is anonymous, each private or presence channel is authorised by the app's
 * signature when subscribed. A refusal opens the socket only to send `pusher:error` and close
 * with Pusher's code, which is what pusher-js reads.
 */
import type { Connection } from '../../connection/connection.js';
import type { Negotiated, UpgradeDeps, UpgradeResponse, Upgrader } from '../../connection/upgrade.js';
import { createUpgrader } from '../../connection/upgrade.js';
import type { PusherApp, PusherApps } from './apps.js';
import { PUSHER_PROTOCOL, PusherCode } from './codes.js';
import type { PusherFront } from './pusher-front.js';
import { speaksPusher } from './pusher-front.js';

/** The common upgrade's settings for Pusher sockets (no authenticator, no backend headers). */
export type PusherUpgradeDeps = Omit<UpgradeDeps, 'negotiate' | 'authenticator' | 'keepHeaders'>;

/** What the URL asks for: the app, or why it cannot be served. */
export function decideUpgrade(apps: PusherApps, url: string, query: string): { app: PusherApp } | { code: number; reason: string } {
  const match = /^\/app\/([^/]+)\/?$/.exec(url);
  if (match === null) return { code: PusherCode.PathNotFound, reason: 'Path not found' };
  const app = apps.withKey(decodeSegment(match[1]!));
  if (app === undefined) return { code: PusherCode.AppNotFound, reason: `App key ${match[1]!.slice(0, 40)} not in this cluster. Did you forget to specify the cluster?` };
  const protocol = new URLSearchParams(query).get('protocol');
  if (protocol === null) return { code: PusherCode.NoVersion, reason: 'No protocol version supplied' };
  if (!/^\d+$/.test(protocol)) return { code: PusherCode.InvalidVersion, reason: 'Invalid version string format' };
  if (Number(protocol) !== PUSHER_PROTOCOL) return { code: PusherCode.UnsupportedVersion, reason: `Unsupported protocol version ${protocol.slice(0, 8)}: use ${PUSHER_PROTOCOL}` };
  return { app };
}

/** Builds the upgrade handler of `/app/:key`. */
export function createPusherUpgrader(apps: PusherApps, front: PusherFront, deps: PusherUpgradeDeps): Upgrader {
  // The common upgrader asks `negotiate` synchronously, first thing: the decision of the request
  // being upgraded is handed over through this variable.
  let current: Negotiated = front.negotiate();
  const upgrade = createUpgrader({ ...deps, authenticator: undefined, negotiate: () => current });
  return (request, response) => {
    const decision = decideUpgrade(apps, request.url, request.query);
    const app = 'app' in decision ? decision.app : undefined;
    current = app !== undefined ? front.negotiate() : { speaks: speaksPusher, subprotocol: '', token: undefined, refusal: decision as { code: number; reason: string } };
    upgrade(request, adopting(response, (connection) => front.adopt(connection, app)));
  };
}

/** The response, with `accept` and `refuse` telling the front which app the connection is for first. */
function adopting(response: UpgradeResponse, adopt: (connection: Connection) => void): UpgradeResponse {
  return {
    get open() {
      return response.open;
    },
    get onAbort() {
      return response.onAbort;
    },
    set onAbort(handler) {
      response.onAbort = handler;
    },
    readBody: (limit, declared) => response.readBody(limit, declared),
    json: (status, body, close) => response.json(status, body, close),
    send: (status, type, body, close, headers) => response.send(status, type, body, close, headers),
    fail: (err, headers, close) => response.fail(err, headers, close),
    accept: (connection, subprotocol) => {
      adopt(connection);
      response.accept(connection, subprotocol);
    },
    refuse: (connection, subprotocol) => {
      adopt(connection);
      response.refuse(connection, subprotocol);
    },
  };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
