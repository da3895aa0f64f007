/**
 * loadtest/dialects/pusher-scan.ts reads what a Pusher subscriber receives: the frames a real Switchboard
 * writes are read in place (the fast path is what runs under load), and for any frame the result
 * is what JSON.parse would say, fast path or not.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import PusherServer from 'pusher';
import WebSocket from 'ws';
import { Kind, msgpackCodec, Subprotocol } from '../../src/protocol/index.js';
import { scanMessage, scanned, topicName } from '../../loadtest/dialects/message-scan.js';
import { parseProbeText, probeEvent, probeText } from '../../loadtest/dialects/probe-text.js';
import { scanPusherEvent, scanPusherEventInPlace, topicNumberOf } from '../../loadtest/dialects/pusher-scan.js';
import { LOADTEST_PUSHER_APP } from '../../loadtest/targets/servers/pusher-app.js';
import { seeded } from '../helpers/fc-seed.js';
import { startServer } from '../helpers/server.js';

const text = (frame: string) => Buffer.from(frame, 'utf8');

/** What the scan must say about a frame, decided by JSON.parse alone (the scan's documented meaning). */
function reference(frame: string): { topic: number; seq?: number; sentUs?: number } | false {
  let value: any;
  try {
    value = JSON.parse(frame);
  } catch {
    return false;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  if (typeof value.event !== 'string' || value.event.startsWith('pusher:') || value.event.startsWith('pusher_internal:')) return false;
  const found = typeof value.data === 'string' ? parseProbeText(value.data) : undefined;
  const topic = typeof value.channel === 'string' ? topicNumberOf(value.channel) : -1;
  return found === undefined || topic < 0 ? { topic: -1 } : { topic, ...found };
}

/** The scan's answer in the reference's shape. */
function scan(frame: string): ReturnType<typeof reference> {
  const buf = Buffer.concat([text('xx'), text(frame), text('yy')]);
  if (!scanPusherEvent(buf, 2, buf.length - 2)) return false;
  return scanned.topic < 0 ? { topic: -1 } : { topic: scanned.topic, seq: scanned.seq, sentUs: scanned.sentUs };
}

describe('scanPusherEvent', () => {
  it('reads topic, seq and stamp of the server layout in place', () => {
    const frame = JSON.stringify({ event: 'lt', channel: topicName(42), data: probeText(7, 123_456_789, 64) });
    assert.equal(scanPusherEventInPlace(text(frame), 0, frame.length), true);
    assert.deepEqual([scanned.topic, scanned.seq, scanned.sentUs], [42, 7, 123_456_789]);
  });

  it('leaves protocol events to the dialect', () => {
    for (const frame of [
      '{"event":"pusher:connection_established","data":"{\\"socket_id\\":\\"1.2\\",\\"activity_timeout\\":120}"}',
      '{"event":"pusher_internal:subscription_succeeded","channel":"lt.0","data":"{}"}',
      '{"event":"pusher:ping","data":{}}',
      '{"event":"pusher:error","data":{"code":null,"message":"x"}}',
      'not json',
      '["lt","lt.0","1:2:"]',
    ]) {
      assert.equal(scanPusherEvent(text(frame), 0, Buffer.byteLength(frame)), false, frame);
    }
  });

  it('counts an event without a probe, or on another channel, as a delivery without a topic', () => {
    assert.deepEqual(scan(JSON.stringify({ event: 'message', channel: 'lt.1', data: '"hello"' })), { topic: -1 });
    assert.deepEqual(scan(JSON.stringify({ event: 'lt', channel: 'news', data: probeText(1, 2, 8) })), { topic: -1 });
  });

  it('falls back to the parser when the data is not the last field or holds a quote, with the same result', () => {
    const withUser = JSON.stringify({ event: 'lt', channel: 'lt.3', data: probeText(5, 6, 20), user_id: 'u' });
    const withQuote = JSON.stringify({ event: 'lt', channel: 'lt.3', data: `${probeText(5, 6, 8)}"}` });
    for (const frame of [withUser, withQuote]) {
      assert.equal(scanPusherEventInPlace(text(frame), 0, Buffer.byteLength(frame)), false, frame);
      assert.deepEqual(scan(frame), { topic: 3, seq: 5, sentUs: 6 });
    }
  });

  it('agrees with JSON.parse on generated frames (layout, escaping, whitespace, extra fields)', () => {
    // Up to 15 digits is a probe; 16 is not (the readers refuse what a float64 may not hold exactly).
    const digits = fc.oneof({ weight: 4, arbitrary: fc.nat({ max: 999_999_999_999_999 }) }, fc.nat({ max: 2 ** 53 - 1 }), fc.constantFrom(0, 1, 999_999_999_999_999, 1_000_000_000_000_000));
    // Weighted towards the server's layout, so a good share of frames takes the fast path.
    const data = fc.oneof(
      { weight: 6, arbitrary: fc.tuple(digits, digits, fc.nat({ max: 100 }), fc.string({ unit: 'binary' })).map(([seq, sentUs, bytes, tail]) => probeText(seq, sentUs, bytes) + tail) },
      fc.string({ unit: 'binary' }),
      fc.stringMatching(/^\d{0,17}:\d{0,17}:?/),
      fc.jsonValue(),
    );
    const channel = fc.oneof({ weight: 4, arbitrary: fc.nat().map(topicName) }, fc.stringMatching(/^lt\.[0-9a]{0,4}$/), fc.string());
    const event = fc.oneof({ weight: 4, arbitrary: fc.constant('lt') }, fc.constantFrom('pusher:ping', 'pusher_internal:x', 'message'), fc.string());
    const frame = fc
      .record({ event, channel, data, extra: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, fc.string()), order: fc.constantFrom('server', 'server', 'reversed'), indent: fc.constantFrom(0, 0, 2) })
      .map(({ event, channel, data, extra, order, indent }) => {
        const fields: Record<string, unknown> = order === 'server' ? { event, channel, data } : { data, channel, event };
        if (extra !== undefined) fields.user_id = extra;
        return JSON.stringify(fields, null, indent);
      });
    let inPlace = 0;
    fc.assert(
      fc.property(frame, (f) => {
        if (scanPusherEventInPlace(text(f), 0, Buffer.byteLength(f))) inPlace++;
        assert.deepEqual(scan(f), reference(f));
      }),
      seeded('pusher scan vs JSON.parse', { numRuns: 2000 }),
    );
    // Both paths must have been compared against the parser, not just the slow one.
    assert.ok(inPlace > 100, `only ${inPlace} frames took the fast path`);
  });

  it('reads every server-layout frame whose data holds no quote in place', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat({ max: 2 ** 40 }), fc.nat({ max: 2 ** 45 }), fc.nat({ max: 300 }), fc.string({ unit: 'binary' }), (topic, seq, sentUs, bytes, tail) => {
        const f = JSON.stringify({ event: 'lt', channel: topicName(topic), data: probeText(seq, sentUs, bytes) + tail.replaceAll('"', '') });
        const buf = text(f);
        assert.equal(scanPusherEventInPlace(buf, 0, buf.length), true, f);
        assert.deepEqual([scanned.topic, scanned.seq, scanned.sentUs], [topic, seq, sentUs]);
      }),
      seeded('pusher scan fast path', { numRuns: 1000 }),
    );
  });
});

describe('frames from a real Switchboard with the load-test Pusher app', async () => {
  const { port, url } = await startServer({ pusher: { apps: [{ ...LOADTEST_PUSHER_APP }] }, clientPublish: true });
  const sockets: WebSocket[] = [];
  after(() => sockets.forEach((ws) => ws.terminate()));

  /** Opens a socket and collects every message it gets. */
  const open = async (address: string, protocols: string[] = []) => {
    const ws = new WebSocket(address, protocols);
    sockets.push(ws);
    const messages: Buffer[] = [];
    const waiters: Array<() => void> = [];
    ws.on('message', (data: Buffer) => {
      messages.push(data);
      waiters.splice(0).forEach((wake) => wake());
    });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const nextMessage = async (match: (message: Buffer) => boolean): Promise<Buffer> => {
      for (;;) {
        const found = messages.find(match);
        if (found) return found;
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    };
    return { ws, nextMessage };
  };

  const pusher = await open(`ws://127.0.0.1:${port}/app/${LOADTEST_PUSHER_APP.key}?protocol=7&client=js&version=8.4.0`);
  await pusher.nextMessage((m) => m.toString().includes('pusher:connection_established'));
  pusher.ws.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel: 'lt.3' } }));
  await pusher.nextMessage((m) => m.toString().includes('subscription_succeeded'));
  const native = await open(url, [Subprotocol.msgpack]);
  native.ws.send(msgpackCodec.encode({ kind: Kind.Subscribe, id: 1, topics: ['lt.3'] }) as Uint8Array);
  await native.nextMessage((m) => m[0] === 0x93 && m[1] === Kind.Reply);

  it('a native publication of the probe event is read in place by the Pusher scan and by the native scan', async () => {
    const publisher = await open(url, [Subprotocol.msgpack]);
    publisher.ws.send(msgpackCodec.encode({ kind: Kind.Publish, id: 0, topic: 'lt.3', data: probeEvent(1, 987_654_321, 64) }) as Uint8Array);
    const event = await pusher.nextMessage((m) => m.toString().startsWith('{"event":"lt"'));
    assert.equal(scanPusherEventInPlace(event, 0, event.length), true, event.toString());
    assert.deepEqual([scanned.topic, scanned.seq, scanned.sentUs], [3, 1, 987_654_321]);
    const message = await native.nextMessage((m) => m[1] === Kind.Message);
    assert.equal(scanMessage(message, 0, message.length), true);
    assert.deepEqual([scanned.topic, scanned.seq, scanned.sentUs, scanned.next], [3, 1, 987_654_321, message.length]);
  });

  it('an event triggered through the Pusher HTTP API arrives in the same layout', async () => {
    const { id: appId, key, secret } = LOADTEST_PUSHER_APP;
    await new PusherServer({ appId, key, secret, host: '127.0.0.1', port: String(port), useTLS: false }).trigger('lt.3', 'lt', probeText(2, 55_555, 100));
    const event = await pusher.nextMessage((m) => m.toString().includes('"2:55555:'));
    assert.equal(scanPusherEventInPlace(event, 0, event.length), true, event.toString());
    assert.deepEqual([scanned.topic, scanned.seq, scanned.sentUs], [3, 2, 55_555]);
  });
});
