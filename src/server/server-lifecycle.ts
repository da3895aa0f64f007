/**
 * A server's lifecycle: listen, graceful close (1001 to every socket) and drain (1012 spread over
 * `drainMs`, then close), each started once however often it is asked for.
 */
import { CloseCode } from '../protocol/codes.js';
import { drainConnections } from './connection/drain.js';
import { openFileLimit } from './runtime/descriptor-limit.js';
import type { ServerParts } from './server-parts.js';
import { checkDescriptorLimit, connectionsWithinDescriptors, watchServer } from './server-watch.js';
import type { ListenInfo } from './server-types.js';

/** Longest close (and drain) wait for sockets to finish their closing handshakes. */
const CLOSE_GRACE_MS = 2000;
/** How often that wait looks at the connection count. */
const CLOSE_POLL_MS = 10;

/** Starts and stops one server's parts. */
export interface ServerLifecycle {
  /** Starts the engine and the listener; resolves with where it listens. */
  listen(port: number, host: string): Promise<ListenInfo>;
  /** Stops accepting, closes every socket with 1001, stops the engine and the fronts. */
  close(): Promise<void>;
  /** Leaves gracefully over `drainMs` (see Server.drain), then closes. */
  drain(): Promise<void>;
  /** Whether drain() was called. */
  readonly draining: boolean;
}

/** The lifecycle of the given parts. */
export function createServerLifecycle(parts: ServerParts): ServerLifecycle {
  const { options, logger, transport, engine, registry, core, slowConsumerCheck } = parts;
  const worker = options.worker;
  let listening = false;
  let closing: Promise<void> | undefined;
  let draining: Promise<void> | undefined;
  let stopWatch: (() => void) | undefined;

  /** Waits (bounded) until every socket finished closing, so nothing is cut mid-handshake. */
  const socketsClosed = async () => {
    const deadline = Date.now() + CLOSE_GRACE_MS;
    while (registry.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, CLOSE_POLL_MS));
  };

  const lifecycle: ServerLifecycle = {
    get draining() {
      return draining !== undefined;
    },

    async listen(port, host) {
      if (listening) throw new Error('server is already listening');
      listening = true;
      await engine.start(core);
      slowConsumerCheck.start();
      let bound: number;
      try {
        // Workers share the port (SO_REUSEPORT, the kernel spreads connections); a lone process
        // refuses to, so a second one started by mistake fails instead of taking half the clients.
        bound = await transport.listen(host, port, worker === undefined);
      } catch (err) {
        listening = false;
        slowConsumerCheck.stop();
        throw err;
      }
      const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
      const descriptorLimit = openFileLimit();
      logger.info(
        {
          uws: transport.build.description,
          skipped: transport.build.skipped,
          host,
          port: bound,
          ...parts.summary,
          worker: worker?.id,
          maxConnections: options.maxConnections,
          openFileLimit: descriptorLimit,
          connectionsWithinLimit: connectionsWithinDescriptors(descriptorLimit),
        },
        'listening',
      );
      checkDescriptorLimit({ descriptorLimit, maxConnections: options.maxConnections, logger });
      stopWatch = watchServer({ engineReady: () => engine.ready?.() ?? true, connections: () => registry.size, descriptorLimit, maxConnections: options.maxConnections, logger });
      if (parts.anonymous) logger.warn('anonymous connections allowed: set SWITCHBOARD_JWT_SECRET, a public key or JWKS URL, an authenticate hook or backend.connectUrl');
      if (options.apiKey === undefined) {
        logger.warn('HTTP API answers loopback callers only (behind a reverse proxy on this host every request looks local): set SWITCHBOARD_API_KEY');
      }
      return { host, port: bound, url: `ws://${shownHost}:${bound}/` };
    },

    close() {
      closing ??= (async () => {
        transport.stopListening();
        stopWatch?.();
        slowConsumerCheck.stop();
        core.flushAll();
        for (const connection of [...registry.byId.values()]) connection.close(CloseCode.GoingAway, 'server shutting down');
        await socketsClosed();
        await engine.close();
        // After the engine: presence leaves of the sockets just closed have settled, so what a
        // front still holds (Pusher's member_removed webhooks) includes them.
        for (const front of parts.fronts) await front.close();
        transport.close();
      })();
      return closing;
    },

    drain() {
      draining ??= (async () => {
        const started = Date.now();
        const connections = registry.size;
        logger.info({ drainMs: options.drainMs, connections }, 'draining');
        await drainConnections(
          {
            connections: () => registry.byId.values(),
            count: () => registry.size,
            stopListening: () => transport.stopListening(),
            flush: () => core.flushAll(),
          },
          options.drainMs,
        );
        // Let the 1012s finish their handshakes, so close() has nothing left to send 1001 to.
        await socketsClosed();
        await lifecycle.close();
        logger.info({ connections, tookMs: Date.now() - started, left: registry.size }, 'drained');
      })();
      return draining;
    },
  };
  return lifecycle;
}
