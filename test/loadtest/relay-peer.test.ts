/**
 * The relay peer (loadtest/targets/peers/relay.ts) must forward every Message-shaped frame, byte for byte,
 * to every subscriber of its topic and nothing to others, and the generator's scanner must count
 * what it forwards. Driven with plain `ws` clients against the real forked peer.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import WebSocket from 'ws';
import { Kind, msgpackCodec, msgpackMessageFrame, packValue, Subprotocol } from '../../src/protocol/index.js';
import { scanMessage, scanned } from '../../loadtest/dialects/message-scan.js';
import { messageTopicSpan } from '../../loadtest/targets/peers/relay-frame.js';
import { launchServer } from '../../loadtest/targets/server-under-test.js';

async function subscriber(url: string, topic: string): Promise<{ ws: WebSocket; frames: Buffer[] }> {
  const ws = new WebSocket(url, [Subprotocol.msgpack]);
  const frames: Buffer[] = [];
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const subscribed = new Promise<void>((resolve) => {
    ws.on('message', (data: Buffer) => {
      if (data[1] === Kind.Reply) resolve();
      else frames.push(data);
    });
  });
  ws.send(msgpackCodec.encode({ kind: Kind.Subscribe, id: 1, topics: [topic] }) as Uint8Array);
  await subscribed;
  return { ws, frames };
}

describe('relay peer', { timeout: 30_000 }, () => {
  it('reads the topic of a Message frame in place, and nothing else', () => {
    const frame = msgpackMessageFrame('lt.7', 3, packValue(new Uint8Array(8)));
    const span = messageTopicSpan(frame)!;
    assert.equal(Buffer.from(frame.subarray(span[0], span[1])).toString(), 'lt.7');
    const long = 'lt.' + 'x'.repeat(40);
    const longSpan = messageTopicSpan(msgpackMessageFrame(long, 1, packValue(1)))!;
    assert.equal(longSpan[1] - longSpan[0], long.length);
    assert.equal(messageTopicSpan(msgpackCodec.encode({ kind: Kind.Publish, id: 0, topic: 'lt.1', data: 1 }) as Uint8Array), undefined);
  });

  it('delivers every frame unchanged to each subscriber of the topic', async () => {
    const server = await launchServer('relay', 30);
    after(() => server.stop());
    const a = await subscriber(server.url, 'lt.0');
    const b = await subscriber(server.url, 'lt.0');
    const other = await subscriber(server.url, 'lt.1');
    const publisher = new WebSocket(server.url, [Subprotocol.msgpack]);
    await new Promise((resolve) => publisher.once('open', resolve));
    const sent: Buffer[] = [];
    for (let seq = 1; seq <= 200; seq++) {
      const data = Buffer.alloc(64, seq);
      data.writeDoubleBE(seq * 1000, 0);
      const frame = Buffer.from(msgpackMessageFrame('lt.0', seq, packValue(data)));
      sent.push(frame);
      publisher.send(frame);
    }
    const deadline = Date.now() + 10_000;
    while ((a.frames.length < 200 || b.frames.length < 200) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    for (const { frames } of [a, b]) {
      assert.equal(frames.length, 200);
      frames.forEach((frame, i) => {
        assert.ok(frame.equals(sent[i]!), `frame ${i + 1} unchanged`);
        assert.ok(scanMessage(frame, 0, frame.length), 'the generator counts it');
        assert.equal(scanned.topic, 0);
        assert.equal(scanned.seq, i + 1);
        assert.equal(scanned.sentUs, (i + 1) * 1000);
      });
    }
    assert.equal(other.frames.length, 0, 'other topics hear nothing');
    for (const ws of [a.ws, b.ws, other.ws, publisher]) ws.close();
  });
});
