/**
 * The client side of the stall measurement, in its own process so none of its allocations or
 * timers count against the server: subscribers on raw sockets (see loadtest/generator/ws/raw-websocket.ts)
 * and one publisher sending Publish frames `[3, 0, topic, data]` as the load harness does. It
 * paces itself closed-loop: a batch of publications, then a wait until every subscriber has
 * received them, so no socket ever builds backpressure and the server always runs the ordinary
 * native fan-out path (never the slow lane), however slow this machine is.
 */
import { jsonCodec, Kind, msgpackCodec, Subprotocol, type Format, type SubscribeFrame } from '../../src/protocol/index.js';
import { RawWebSocket } from '../../loadtest/generator/ws/raw-websocket.js';

/** What the measuring process asks of the peer. */
export type PeerCommand =
  | { type: 'config'; port: number; subscribers: number; jsonSubscribers: number; topics: number; payloadBytes: number; batch: number }
  | { type: 'publish'; count: number }
  | { type: 'stop' };

/** What the peer answers. */
export type PeerReply = { type: 'ready' } | { type: 'done'; published: number } | { type: 'failed'; reason: string };

const OPEN_WAVE = 500; // connections opened at once (a 19,000-socket ramp stays within the upgrade timeout)

const topicName = (n: number) => `stall.${n}`;

let publisher: RawWebSocket | undefined;
const sockets: RawWebSocket[] = [];
let received = 0;
let target = Number.POSITIVE_INFINITY;
let reached: (() => void) | undefined;
let framesByTopic: Uint8Array[] = [];
let subscribersOf: number[] = [];
let batch = 100;
let next = 0;

function reply(message: PeerReply): void {
  process.send!(message);
}

function open(port: number, format: Format, topic: string | undefined): Promise<RawWebSocket> {
  return new Promise((resolve, reject) => {
    let messages = 0;
    // Welcome, then the subscribe Reply; everything after that is a publication.
    const ready = topic === undefined ? 1 : 2;
    const ws: RawWebSocket = new RawWebSocket(
      { host: '127.0.0.1', port, path: '/', protocols: [Subprotocol[format]] },
      {
        onOpen() {
          if (topic === undefined) return;
          const frame: SubscribeFrame = { kind: Kind.Subscribe, id: 1, topics: [topic] };
          if (format === 'json') ws.sendText(jsonCodec.encode(frame) as string);
          else ws.sendBinary(msgpackCodec.encode(frame) as Uint8Array);
        },
        onMessage() {
          messages++;
          if (messages === ready) return resolve(ws);
          if (messages < ready) return;
          received++;
          if (received >= target && reached !== undefined) {
            const done = reached;
            reached = undefined;
            done();
          }
        },
        onClose(code, reason) {
          reject(new Error(`connection closed: ${code} ${reason}`));
          if (messages >= ready) reply({ type: 'failed', reason: `a subscriber closed: ${code} ${reason}` });
        },
      },
    );
  });
}

async function configure(command: Extract<PeerCommand, { type: 'config' }>): Promise<void> {
  batch = command.batch;
  subscribersOf = new Array<number>(command.topics).fill(0);
  for (let start = 0; start < command.subscribers; start += OPEN_WAVE) {
    const wave: Array<Promise<RawWebSocket>> = [];
    for (let i = start; i < Math.min(command.subscribers, start + OPEN_WAVE); i++) {
      const topic = i % command.topics;
      subscribersOf[topic]!++;
      wave.push(open(command.port, i < command.jsonSubscribers ? 'json' : 'msgpack', topicName(topic)));
    }
    sockets.push(...(await Promise.all(wave)));
  }
  publisher = await open(command.port, 'msgpack', undefined);
  const data = Buffer.alloc(command.payloadBytes, 0x61);
  framesByTopic = subscribersOf.map((_, topic) => msgpackCodec.encode({ kind: Kind.Publish, id: 0, topic: topicName(topic), data }) as Uint8Array);
}

async function publish(count: number): Promise<number> {
  let published = 0;
  let expected = received;
  while (published < count) {
    const n = Math.min(batch, count - published);
    publisher!.socket.cork();
    for (let i = 0; i < n; i++) {
      const topic = next++ % framesByTopic.length;
      publisher!.sendBinary(framesByTopic[topic]!);
      expected += subscribersOf[topic]!;
    }
    publisher!.socket.uncork();
    published += n;
    if (received < expected) {
      target = expected;
      await new Promise<void>((resolve) => (reached = resolve));
    }
  }
  return published;
}

process.on('message', (command: PeerCommand) => {
  if (command.type === 'config') {
    configure(command).then(
      () => reply({ type: 'ready' }),
      (err: unknown) => reply({ type: 'failed', reason: String(err) }),
    );
  } else if (command.type === 'publish') {
    publish(command.count).then((published) => reply({ type: 'done', published }));
  } else {
    for (const ws of sockets) ws.reset();
    publisher?.reset();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
