/**
 * Filters suite: the JavaScript the topic core runs for one publication on a topic with 0, 100 and
 * 1,000 filtered subscribers (docs/protocol.md §5.6), next to 1,000 unfiltered ones, which cost the
 * core one frame handed to native fan-out whatever their number. Real TopicCore and Connection
 * objects; the sockets and the fan-out are no-ops, so what is timed is the core's work (matching,
 * frame building, the send call), not uWS copying bytes. One in ten filtered subscribers matches
 * (`venue` = their own value), as a desk-per-venue feed would.
 */
import { compileFilter, packValue } from '../src/protocol/index.js';
import { Connection } from '../src/server/connection/connection.js';
import { TopicCore } from '../src/server/core/topic-core.js';
import { MemoryEngine } from '../src/server/engine/memory-engine.js';
import { SWITCHBOARD_WIRES, switchboardWire } from '../src/server/fronts/switchboard/formats.js';
import { Namespaces } from '../src/server/namespaces/namespaces.js';
import type { Fanout, SocketLike } from '../src/server/transport/socket.js';
import { payload, TOPIC } from './fixtures.js';
import type { BenchCase, BenchSuite } from './runner.js';

const SUCCESS = 1;
const socket: SocketLike = { send: () => SUCCESS, cork: (fn: () => void) => fn(), end: () => undefined, getBufferedAmount: () => 0 };

/** A core with `native` unfiltered and `filtered` filtered subscribers of TOPIC, and how to deliver one publication to it. */
function topicWith(native: number, filtered: number): (seq: number) => void {
  const followed = new Set<string>();
  const fanout: Fanout = {
    subscribe: (_socket, topic, format) => void followed.add(`${format}|${topic}`),
    unsubscribe: () => undefined,
    has: (topic, format) => followed.has(`${format}|${topic}`),
    publish: () => undefined,
    publishExcept: () => undefined,
  };
  const engine = new MemoryEngine();
  const core = new TopicCore({
    fanout,
    engine,
    namespaces: new Namespaces({}),
    wires: SWITCHBOARD_WIRES,
    limits: { maxTopicBytes: 256, maxReplayMessages: 1000, maxBackpressureBytes: 1 << 20 },
  });
  void engine.start(core);
  const host = { subscribe: core.subscribe.bind(core), unsubscribe: core.unsubscribe.bind(core) };
  let ids = 0;
  const connect = () => {
    const connection = new Connection(host, `c${ids++}`, null, {}, '127.0.0.1', switchboardWire('msgpack'));
    connection.socket = socket;
    return connection;
  };
  for (let i = 0; i < native; i++) core.subscribe(connect(), [TOPIC]);
  for (let i = 0; i < filtered; i++) core.subscribe(connect(), [TOPIC], undefined, undefined, compileFilter({ eq: ['venue', `v${i % 10}`] }));
  const packed = packValue(payload(100));
  const tags = { venue: 'v3', side: 'buy' };
  return (seq) => core.deliver(TOPIC, 'e', seq, packed, undefined, tags);
}

export const filtersSuite: BenchSuite = {
  name: 'filters',
  description: 'core work per publication (100 B) with 0, 100, 1000 filtered subscribers (1 in 10 matches) beside 1000 unfiltered ones',
  cases() {
    const cases: BenchCase[] = [];
    for (const filtered of [0, 100, 1000]) {
      const deliver = topicWith(1000, filtered);
      let seq = 0;
      cases.push({ name: `deliver 1 publication, 100 B, 1000 unfiltered + ${filtered} filtered subscribers`, fn: () => deliver(++seq) });
    }
    const onlyFiltered = topicWith(0, 1000);
    let seq = 0;
    cases.push({ name: 'deliver 1 publication, 100 B, 1000 filtered subscribers only', fn: () => onlyFiltered(++seq) });
    return cases;
  },
};
