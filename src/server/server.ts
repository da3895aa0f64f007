/**
 * createServer(): resolves the options, builds the parts (server-parts.ts), and answers the
 * public Server interface (server-types.ts) with them and their lifecycle (server-lifecycle.ts).
 */
import { unpackValue } from '../protocol/msgpack-value.js';
import type { ServerOptions } from './config/options.js';
import { resolveOptions } from './config/resolve.js';
import { disconnectCommand } from './connection/control.js';
import { buildParts } from './server-parts.js';
import { createServerLifecycle, type ServerLifecycle } from './server-lifecycle.js';
import type { Server } from './server-types.js';

export type { ListenInfo, Server, ServerStats, TopicHistory } from './server-types.js';

/** Creates a server. Nothing listens until `listen()`. */
export function createServer(input: Partial<ServerOptions> = {}): Server {
  const options = resolveOptions(input);
  // The parts' /readyz asks the lifecycle, which is built on the parts.
  let run: ServerLifecycle | undefined;
  const parts = buildParts(options, { draining: () => run?.draining === true });
  const lifecycle = createServerLifecycle(parts);
  run = lifecycle;
  const { transport, registry, core, publisher, control, traffic, startedAt } = parts;

  return {
    options,
    logger: parts.logger,
    clients: registry.byId,
    workerId: options.worker?.id,
    uws: { name: transport.build.name, version: transport.build.version, tls: transport.build.tls, compression: transport.build.compression },

    listen: (port = options.port, host = options.host) => lifecycle.listen(port, host),
    close: () => lifecycle.close(),
    drain: () => lifecycle.drain(),

    async publish(topic, data, publishOptions) {
      const tags = publishOptions?.tags;
      return (await publisher.publish(topic, data, tags === undefined ? { idempotencyKey: publishOptions?.idempotencyKey } : { idempotencyKey: publishOptions?.idempotencyKey, tags })).seq;
    },

    presence: (topic) => control.presence(topic),
    async history(topic, { since, limit = 100 } = {}) {
      const read = await core.history(topic, since ?? null, limit);
      return {
        epoch: read.epoch,
        seq: read.seq,
        recovered: read.recovered,
        publications: read.publications.map((p) => ({ seq: p.seq, time: p.time, data: unpackValue(p.payload) })),
      };
    },
    // The same path as the HTTP API: with a Redis engine, every node's connections of the user.
    subscribeUser: (userId, topics) => control.everywhere({ op: 'subscribe', userId, topics }),
    unsubscribeUser: (userId, topics) => control.everywhere({ op: 'unsubscribe', userId, topics }),
    disconnectUser: (userId, disconnectOptions) => control.everywhere(disconnectCommand(userId, disconnectOptions)),

    async broadcast(topics, data, broadcastOptions) {
      const results = await publisher.broadcast(topics, data, { idempotencyKey: broadcastOptions?.idempotencyKey });
      return results.map((result) => result.seq);
    },

    stats() {
      return {
        connections: registry.size,
        connectionsOpened: registry.opened,
        publications: core.counters.publications,
        messagesIn: traffic.messagesIn,
        bytesIn: traffic.bytesIn,
        badFrames: traffic.badFrames,
        uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      };
    },
  };
}
