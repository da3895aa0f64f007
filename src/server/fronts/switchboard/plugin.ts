/**
 * The Switchboard-protocol front as a plug-in: the Switchboard v1 protocol on every path (`/*`), with the
 * rules rules (permissions, token refresh, backend hooks) it needs. It adds no HTTP routes or
 * metrics of its own: the server's HTTP API and metrics are protocol-neutral.
 */
import { createRefresher } from '../../connection/token-refresh.js';
import { Permissions } from '../../connection/permissions.js';
import { createUpgrader } from '../../connection/upgrade.js';
import type { FrontPlugin } from '../front.js';
import { SWITCHBOARD_WIRES } from './formats.js';
import { SwitchboardFront } from './switchboard-front.js';
import { FrameRules } from './frame-rules.js';

/** The Switchboard-protocol front: always listed, its wire formats first. */
export function switchboardPlugin(): FrontPlugin {
  return {
    name: 'switchboard',
    wires: SWITCHBOARD_WIRES,
    metrics() {},
    start(context) {
      const { options, core, auth } = context;
      const rules = new FrameRules({
        core,
        publisher: context.publisher,
        presence: context.presence,
        options,
        hooks: context.hooks,
        report: context.reportError,
        guards: { permissions: new Permissions(context.namespaces, auth.verifier, auth.backend), refresh: createRefresher(auth.verifier) },
        backend: auth.backend,
      });
      const front = new SwitchboardFront({
        limits: { maxPayloadBytes: options.maxPayloadBytes, maxSubscriptions: options.maxSubscriptions, maxTopicBytes: options.maxTopicBytes },
        rules,
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
