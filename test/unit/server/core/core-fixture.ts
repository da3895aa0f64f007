/**
 * A topic core wired to fakes of the transport (test/helpers/fake-transport.ts) and a real
 * engine, for unit tests of the core, the slow lane and the publisher without a server.
 */
import { Namespaces, type NamespacesConfig } from '../../../../src/server/namespaces/namespaces.js';
import { Connection } from '../../../../src/server/connection/connection.js';
import { Publisher } from '../../../../src/server/core/publisher.js';
import { TopicCore } from '../../../../src/server/core/topic-core.js';
import type { WireFormat } from '../../../../src/server/core/wire-format.js';
import type { Engine } from '../../../../src/server/engine/engine.js';
import { MemoryEngine } from '../../../../src/server/engine/memory-engine.js';
import { SWITCHBOARD_WIRES, switchboardWire } from '../../../../src/server/fronts/switchboard/formats.js';
import type { Format } from '../../../../src/protocol/frames.js';
import { FakeFanout, FakeSocket } from '../../../helpers/fake-transport.js';

export interface CoreFixture {
  core: TopicCore;
  fanout: FakeFanout;
  engine: Engine;
  publisher: Publisher;
  /** An open connection on a fake socket. */
  connect(options?: { format?: Format; userId?: string | null }): { connection: Connection; socket: FakeSocket };
  /** Closes a connection the way the transport and lifecycle do. */
  close(connection: Connection): void;
}

let ids = 0;

export function coreFixture(
  options: { namespaces?: NamespacesConfig; engine?: Engine; wires?: readonly WireFormat[]; maxBackpressureBytes?: number } = {},
): CoreFixture {
  const fanout = new FakeFanout();
  const engine = options.engine ?? new MemoryEngine();
  const namespaces = new Namespaces(options.namespaces ?? {});
  // The registry's part the core uses: open connections by id (exclusions find theirs here).
  const open = new Map<string, Connection>();
  const core = new TopicCore({
    fanout,
    engine,
    namespaces,
    wires: options.wires ?? SWITCHBOARD_WIRES,
    limits: { maxTopicBytes: 200, maxReplayMessages: 1000, maxBackpressureBytes: options.maxBackpressureBytes ?? 1024 },
    findConnection: (id) => open.get(id),
  });
  void engine.start(core);
  const host = { subscribe: core.subscribe.bind(core), unsubscribe: core.unsubscribe.bind(core) };
  return {
    core,
    fanout,
    engine,
    publisher: new Publisher(engine, namespaces, 200),
    connect({ format = 'msgpack', userId = null } = {}) {
      const connection = new Connection(host, `c${ids++}`, userId, {}, '127.0.0.1', switchboardWire(format));
      const socket = new FakeSocket();
      connection.socket = socket;
      open.set(connection.id, connection);
      return { connection, socket };
    },
    close(connection) {
      const socket = connection.socket as FakeSocket | undefined;
      connection.closed = true;
      connection.socket = undefined;
      open.delete(connection.id);
      if (socket !== undefined) fanout.dropSocket(socket);
      core.closed(connection);
    },
  };
}
