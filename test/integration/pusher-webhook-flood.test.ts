/**
 * Webhooks under a flood: anonymous native sockets subscribing to a thousand public Pusher
 * channels each, and client events large enough to fill a queue counted in events. The receiver
 * is a real HTTP server judging every request with the `pusher` package's own webhook validation;
 * a legitimate `member_added` must still reach it, and the queue must stay within its byte bound.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { after, describe, test } from 'node:test';
import { startBystander } from '../helpers/bystander.js';
import { APP, pusherClient, serverSdk, startAuthEndpoint, subscribed } from '../helpers/pusher.js';
import { RawClient } from '../helpers/raw-client.js';
import { sleep, startServer, waitFor } from '../helpers/server.js';

const BOUND = { timeout: 120_000 };
const sdk = serverSdk(1);

/** A receiver answering 200 after `delayMs` ('hang': never); `events` holds what valid requests carried. */
async function startReceiver(delayMs: number | 'hang') {
  const events: any[] = [];
  let invalid = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const webhook = sdk.webhook({ headers: req.headers as Record<string, string>, rawBody: body });
      if (webhook.isValid()) events.push(...webhook.getEvents());
      else invalid++;
      if (delayMs !== 'hang') setTimeout(() => res.writeHead(200).end(), delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`, events, invalid: () => invalid };
}

async function metric(http: string, name: string): Promise<number> {
  const text = await (await fetch(`${http}/metrics`)).text();
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([-\\d.e+]+)$`, 'm').exec(text);
  return match ? Number(match[1]) : NaN;
}

const channels = (n: number) => Array.from({ length: n }, (_, i) => `flood-${i}`);

describe('webhooks under a flood from anonymous native sockets', BOUND, async () => {
  // Slow on purpose: 100 ms a request, so whatever the flood queues is still queued afterwards.
  const receiver = await startReceiver(100);
  const { server, url, port, http } = await startServer({
    pusher: { apps: [{ ...APP, subscriptionCount: true, webhooks: [{ url: receiver.url }] }], webhookDelivery: { batchMs: 10, removalDelayMs: 100, shutdownFlushMs: 200 } },
    namespaces: { 'presence-': { presence: true } },
  });
  const bystander = await startBystander(server, url);
  const auth = await startAuthEndpoint(serverSdk(port));

  test('24 Subscribe messages of 1,000 public channels drop no webhook event, and a member_added after them arrives', async () => {
    const sockets = await Promise.all(Array.from({ length: 24 }, () => RawClient.connect(url)));
    sockets.forEach((socket, i) => socket.send({ kind: 1, id: i + 1, topics: channels(1000) }));
    for (const [i, socket] of sockets.entries()) assert.equal((await socket.answer(i + 1, 30_000)).kind, 21);
    await bystander.check();

    const zoe = pusherClient(port, { authEndpoint: `${auth}?user=zoe` });
    await subscribed(zoe, 'presence-legit');
    await waitFor(() => receiver.events.some((event) => event.name === 'member_added' && event.channel === 'presence-legit' && event.user_id === 'zoe'), 10_000, 'member_added at the receiver');
    assert.equal(receiver.invalid(), 0, 'every request valid under the app secret');
    assert.equal(await metric(http, 'switchboard_pusher_webhook_events_dropped_total'), 0);
    // Counts of one channel waiting to be sent are one event: the latest count.
    const counts = receiver.events.filter((event) => event.name === 'subscription_count' && event.channel === 'flood-999');
    assert.ok(counts.length < 24, `at most one queued count per channel at a time, got ${counts.length}`);
    sockets.forEach((socket) => socket.close());
    await bystander.check();
  });
});

describe('a webhook queue bounded in bytes', BOUND, async () => {
  const receiver = await startReceiver('hang');
  const { server, url, port, http } = await startServer({
    pusher: {
      apps: [{ ...APP, webhooks: [{ url: receiver.url, eventTypes: ['client_event'] }] }],
      webhookDelivery: { batchMs: 10, maxBatchEvents: 1, queueLimitBytes: 64 * 1024, timeoutMs: 60_000, shutdownFlushMs: 200 },
    },
  });
  const bystander = await startBystander(server, url);
  const auth = await startAuthEndpoint(serverSdk(port));

  test('40 client events of 8 KB against a stuck receiver: at most 64 KiB queued, the rest dropped and counted', async () => {
    // Five senders of eight each: one connection may send at most 10 client events a second
    // (Pusher's limit), and this test is about the webhook queue, not that throttle.
    const senders = [0, 1, 2, 3, 4].map(() => pusherClient(port, { authEndpoint: auth }));
    for (const sender of senders) await subscribed(sender, 'private-big');
    const data = { text: 'x'.repeat(8 * 1024) };
    for (const sender of senders) for (let i = 0; i < 8; i++) sender.channel('private-big')!.trigger('client-big', data);
    // One event in flight (stuck), at most 7 of about 8.2 KB in 64 KiB queued: 32 or more dropped.
    const deadline = Date.now() + 10_000;
    let dropped = 0;
    while ((dropped = await metric(http, 'switchboard_pusher_webhook_events_dropped_total')) < 32) {
      assert.ok(Date.now() < deadline, `only ${dropped} events dropped within 10 s`);
      await sleep(20);
    }
    assert.ok(dropped <= 40, `dropped ${dropped}`);
    await bystander.check();
  });
});
