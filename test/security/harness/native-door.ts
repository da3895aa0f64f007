/**
 * The native WebSocket door, msgpack or JSON subprotocol (docs/protocol.md), driven with raw frames
 * and raw bytes. Its oracle is the protocol's: Reply, an Error frame with the documented code, or a
 * close with the documented code; and a topic is opened only by its credential (docs/security.md §4).
 */
import { MAX_MSGPACK_DEPTH, codecFor, Kind, packValue, topicProblem, type Format, type ServerFrame } from '../../../src/protocol/index.js';
import { RawClient } from '../../helpers/raw-client.js';
import { upgradeStatus } from '../../helpers/upgrade.js';
import type { Door } from './door.js';
import { nestedJson, type Hostile, type TokenKind } from './hostile.js';
import { settle } from './counts.js';
import type { Target } from './target.js';
import { ATTACKER, tokenOfKind } from './tokens.js';

/** What the native rules (target NAMESPACES plus the built-ins) answer `user` subscribing to `topic`. */
export function nativeSubscribeRule(topic: string, user = ATTACKER): string {
  if (topicProblem(topic) !== null) return 'error 103';
  if (/^(private-|presence-|sealed-|vip:)/.test(topic)) return 'error 104';
  if (topic.startsWith('user:')) return topic === `user:${user}` ? 'reply' : 'error 104';
  return 'reply'; // the default namespace and hook: (the backend allows by default)
}

/**
 * What a Publish to `topic` gets: only open: and hook: (backend) topics take client publishes. The
 * permission is decided before the name is validated (docs/protocol.md, Publish).
 */
export function nativePublishRule(topic: string): string {
  if (!/^(open:|hook:)/.test(topic)) return 'error 104';
  return topicProblem(topic) === null ? 'reply' : 'error 103';
}

const UPGRADE: Record<TokenKind, string> = {
  none: 'close 4504',
  garbage: 'close 4504',
  expired: 'close 4001',
  'alg-none': 'close 4504',
  'wrong-key': 'close 4504',
  'subscription-as-connection': 'close 4504',
  'connection-as-subscription': 'welcome',
  'other-user': 'welcome',
};
const REFRESH: Record<TokenKind, string> = {
  none: 'error 108',
  garbage: 'error 108',
  expired: 'error 114',
  'alg-none': 'error 108',
  'wrong-key': 'error 108',
  'subscription-as-connection': 'error 108',
  'connection-as-subscription': 'reply',
  'other-user': 'error 104',
};
// In the subscription-token slot the right credential is the subscription token.
const SUBSCRIBE_WITH: Record<TokenKind, string> = { ...mapAll('error 104'), 'subscription-as-connection': 'reply' };
function mapAll(value: string): Record<TokenKind, string> {
  return { none: value, garbage: value, expired: value, 'alg-none': value, 'wrong-key': value, 'subscription-as-connection': value, 'connection-as-subscription': value, 'other-user': value };
}

const REPLAYS = 7;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function nativeDoor(target: Target, format: Format): Door {
  const codec = codecFor(format);
  let open: RawClient | undefined;
  let nextId = 1;

  const connect = async (user = ATTACKER) => RawClient.connect(`${target.url}?token=${await target.sign({}, { sub: user })}`, { format });
  const connection = async () => {
    if (open === undefined || open.closed) open = await connect();
    return open;
  };

  /** Waits for the answer to `id` (or a whole-message refusal, id 0) and names it. */
  async function outcome(raw: RawClient, id: number): Promise<string> {
    try {
      const frame: ServerFrame = await raw.next((f) => (f.kind === Kind.Reply && f.id === id) || (f.kind === Kind.Error && (f.id === id || f.id === 0)));
      return frame.kind === Kind.Reply ? 'reply' : `error ${(frame as { code: number }).code}`;
    } catch (err) {
      if (raw.closed) return `close ${raw.closed.code}`;
      throw err;
    }
  }

  async function ask(raw: RawClient, frame: Record<string, unknown>): Promise<string> {
    const id = nextId++;
    raw.send({ ...frame, id } as never);
    return outcome(raw, id);
  }

  /** A Publish frame whose data is `dataBytes` (msgpack) or `dataText` (JSON), built by hand. */
  function publishBytes(id: number, topic: string, data: { msgpack: () => Uint8Array; json: () => string }): Uint8Array | string {
    if (format === 'json') return `[3,${id},${JSON.stringify(topic)},${data.json()}]`;
    const head = packValue([3, id, topic]);
    head[0] = 0x94; // the same frame with one more element: the data that follows
    return Buffer.concat([head, data.msgpack()]);
  }

  async function sendRawAndWait(raw: RawClient, id: number, message: Uint8Array | string): Promise<string> {
    raw.sendRaw(message);
    return outcome(raw, id);
  }

  const frameBytes = (frame: Record<string, unknown>) => {
    const encoded = codec.encode(frame as never);
    return typeof encoded === 'string' ? Buffer.byteLength(encoded) : encoded.length;
  };

  return {
    name: `native ${format}`,
    notApplicable: { types: 'wrong types in every field of every client kind: test/security/fuzz.test.ts, against the codec as oracle' },

    async send(input: Hostile): Promise<string> {
      switch (input.class) {
        case 'depth': {
          const id = nextId++;
          const message = publishBytes(id, 'open:depth', { msgpack: () => Buffer.alloc(input.depth + 1, 0x91).fill(0x01, input.depth), json: () => nestedJson(input.depth) });
          return sendRawAndWait(await connection(), id, message);
        }
        case 'size': {
          const frame = { kind: Kind.Publish, topic: 'open:size', data: 'x'.repeat(input.bytes) };
          // Over the limit the socket is closed: that one gets a connection of its own.
          const raw = frameBytes({ ...frame, id: 1 }) > target.limits.maxPayloadBytes ? await connect() : await connection();
          return ask(raw, frame);
        }
        case 'utf8': {
          if (format === 'json') {
            const raw = await connect();
            raw.ws.send(Buffer.concat([Buffer.from('[1,1,["'), Buffer.from(input.bytes), Buffer.from('"]]')]), { binary: false });
            return `close ${(await raw.closedWith()).code}`;
          }
          const id = nextId++ % 100; // a positive fixint, so the frame is exactly these bytes
          return sendRawAndWait(await connection(), id, Uint8Array.from([0x93, 0x01, id, 0x91, 0xd9, input.bytes.length, ...input.bytes]));
        }
        case 'name': {
          const raw = await connection();
          const subscribed = await ask(raw, { kind: Kind.Subscribe, topics: [input.name] });
          if (subscribed === 'reply') await ask(raw, { kind: Kind.Unsubscribe, topics: [input.name] });
          return `${subscribed} / ${await ask(raw, { kind: Kind.Publish, topic: input.name, data: 1 })}`;
        }
        case 'churn':
          return churn(input.names, input.rounds);
        case 'replay':
          return replay(input.variant % REPLAYS);
        case 'token':
          return tokens(input.kind);
        case 'types':
          return 'n/a';
      }
    },

    expected(input: Hostile): readonly string[] {
      switch (input.class) {
        case 'depth':
          // The msgpack frame is one level deeper than its data; the JSON frame's data is packed alone.
          return [input.depth + (format === 'msgpack' ? 1 : 0) <= MAX_MSGPACK_DEPTH ? 'reply' : 'error 101'];
        case 'size': {
          const bytes = frameBytes({ kind: Kind.Publish, id: 1, topic: 'open:size', data: 'x'.repeat(input.bytes) });
          if (bytes <= target.limits.maxPayloadBytes) return ['reply', 'close 4002'];
          // Past 4x the limit uWS drops the connection without a close frame (docs/security.md §5.1).
          return bytes > 4 * target.limits.maxPayloadBytes ? ['close 1009', 'close 1006'] : ['close 1009'];
        }
        case 'utf8':
          return [format === 'json' ? 'close 1006' : 'error 101'];
        case 'name': {
          // msgpack cannot carry a lone surrogate as a string: the encoder writes bytes that are not UTF-8.
          if (format === 'msgpack' && LONE_SURROGATE.test(input.name)) return ['error 101 / error 101'];
          const subscribe = nativeSubscribeRule(input.name);
          return [`${subscribe} / ${nativePublishRule(input.name)}`];
        }
        case 'churn':
          return ['consistent'];
        case 'replay':
          return [['error 104', 'error 104', 'error 104', 'reply reply', 'error 104', 'reply', 'error 104'][input.variant % REPLAYS]!];
        case 'token':
          return [`${UPGRADE[input.kind]} / ${REFRESH[input.kind]} / ${SUBSCRIBE_WITH[input.kind]}`];
        case 'types':
          return ['n/a'];
      }
    },

    async stillServes() {
      const raw = await connection();
      const answer = await ask(raw, { kind: Kind.Subscribe, topics: ['open:serves'] });
      if (answer !== 'reply') throw new Error(`native ${format}: Subscribe answered ${answer}`);
      if ((await ask(raw, { kind: Kind.Publish, topic: 'open:serves', data: 'still' })) !== 'reply') throw new Error(`native ${format}: Publish refused`);
      await raw.next((frame) => frame.kind === Kind.Message && frame.topic === 'open:serves');
      raw.close();
      open = undefined;
    },
  };

  /** Subscribes and unsubscribes one topic per frame; the server's count of each must match the frames' order. */
  async function churn(names: string[], rounds: number): Promise<string> {
    const raw = await connect();
    for (let round = 0; round < rounds; round++) {
      for (const topic of names) raw.send({ kind: Kind.Subscribe, id: 0, topics: [topic] });
      names.forEach((topic, i) => i % 2 === 0 && raw.send({ kind: Kind.Unsubscribe, id: 0, topics: [topic] }));
    }
    const ping = nextId++;
    raw.send({ kind: Kind.Ping, id: ping });
    await outcome(raw, ping);
    const want = names.map((topic, i) => (i % 2 === 1 && nativeSubscribeRule(topic) === 'reply' ? 1 : 0));
    const problem = await settle(target, names, want);
    raw.close();
    return problem ?? (await settle(target, names, names.map(() => 0), 'after close')) ?? 'consistent';
  }

  async function replay(variant: number): Promise<string> {
    const raw = await connection();
    switch (variant) {
      case 0: // a subscription token of another user
        return ask(raw, { kind: Kind.Subscribe, topics: ['sealed-r'], tokens: { 'sealed-r': await target.sign({ topic: 'sealed-r' }, { sub: 'alice' }) } });
      case 1: // one's own subscription token, for another topic
        return ask(raw, { kind: Kind.Subscribe, topics: ['sealed-s'], tokens: { 'sealed-s': await target.sign({ topic: 'sealed-r' }, { sub: ATTACKER }) } });
      case 2: // another user's connection token as a Refresh
        return ask(raw, { kind: Kind.Refresh, token: await target.sign({}, { sub: 'alice' }) });
      case 3: {
        // The same request id twice in flight: each frame is answered.
        const id = nextId++;
        raw.send({ kind: Kind.Ping, id });
        raw.send({ kind: Kind.Ping, id });
        return `${await outcome(raw, id)} ${await outcome(raw, id)}`;
      }
      case 4: // recovery from the start of a protected stream
        return ask(raw, { kind: Kind.Subscribe, topics: ['private-r'], positions: { 'private-r': { epoch: '', seq: 0 } } });
      case 5: {
        // A subscription token is a bearer grant for its user: the same user may present it again.
        const token = await target.sign({ topic: 'sealed-r' }, { sub: ATTACKER });
        const other = await connect();
        const first = await ask(raw, { kind: Kind.Subscribe, topics: ['sealed-r'], tokens: { 'sealed-r': token } });
        const second = await ask(other, { kind: Kind.Subscribe, topics: ['sealed-r'], tokens: { 'sealed-r': token } });
        other.close();
        await ask(raw, { kind: Kind.Unsubscribe, topics: ['sealed-r'] });
        return first === second ? first : `${first} then ${second}`;
      }
      default: // a valid token for one topic of the frame, filed under another
        return ask(raw, { kind: Kind.Subscribe, topics: ['sealed-r', 'sealed-s'], tokens: { 'sealed-s': await target.sign({ topic: 'sealed-r' }, { sub: ATTACKER }) } });
    }
  }

  async function tokens(kind: TokenKind): Promise<string> {
    const token = await tokenOfKind(target, kind);
    const outcome = await upgradeStatus(token === undefined ? target.url : `${target.url}?token=${token}`, { protocols: [codec.format === 'json' ? 'switchboard.v1.json' : 'switchboard.v1.msgpack'] });
    const upgrade = outcome.close ? `close ${outcome.close.code}` : outcome.status === 101 ? 'welcome' : `http ${outcome.status}`;
    const raw = await connection();
    const refresh = await ask(raw, { kind: Kind.Refresh, token: token ?? '' });
    const grant = await tokenOfKind(target, kind, { topic: 'sealed-t' });
    const subscribe = await ask(raw, { kind: Kind.Subscribe, topics: ['sealed-t'], ...(grant === undefined ? {} : { tokens: { 'sealed-t': grant } }) });
    if (subscribe === 'reply') await ask(raw, { kind: Kind.Unsubscribe, topics: ['sealed-t'] });
    return `${upgrade} / ${refresh} / ${subscribe}`;
  }
}
