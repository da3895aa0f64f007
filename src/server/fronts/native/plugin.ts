/**
 * The native front as a plug-in: the Switchboard v1 protocol on every path (`/*`), with the
 * session rules (permissions, token refresh, backend hooks) it needs. It adds no HTTP routes or
 * metrics of its own: the server's HTTP API and metrics are protocol-neutral.
 */
import { createRefresher } from '../../connection/token-refresh.js';
import { Permissions } from '../../connection/permissions.js';
import { createUpgrader } from '../../connection/upgrade.js';
import type { FrontPlugin } from '../front.js';
import { NATIVE_WIRES } from './formats.js';
import { NativeFront } from './native-front.js';
import { Session } from './session.js';

/** The native front: always listed, its wire formats first. */
export function nativePlugin(): FrontPlugin {
  return {
    name: 'native',
    wires: NATIVE_WIRES,
    metrics() {},
    start(context) {
      const { options, core, auth } = context;
      const session = new Session({
        core,
        publisher: context.publisher,
        presence: context.presence,
        options,
        hooks: options,
        report: context.reportError,
        guards: { permissions: new Permissions(context.namespaces, auth.verifier, auth.backend), refresh: createRefresher(auth.verifier) },
        backend: auth.backend,
      });
      const front = new NativeFront({
        limits: { maxPayloadBytes: options.maxPayloadBytes, maxSubscriptions: options.maxSubscriptions, maxTopicBytes: options.maxTopicBytes },
        session,
        lifecycle: context.lifecycle,
        traffic: context.traffic,
        reportError: context.reportError,
      });
      const backend = auth.backend;
      const upgrader = createUpgrader({
        ...context.upgrade,
        authenticator: auth.authenticator,
        keepHeaders: backend?.keepsHeaders === true ? (headers) => backend.keep(headers) : undefined,
        negotiate: (header) => front.negotiate(header),
        nextId: context.nextId,
      });
      return {
        sockets: [{ pattern: '/*', upgrader, handler: front }],
        routes() {},
        async close() {},
      };
    },
  };
}
