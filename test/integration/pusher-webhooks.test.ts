/**
 * Pusher webhooks, subscription counts and `info` in event answers, end to end: a real server,
 * pusher-js clients, and real HTTP receivers in this process. The independent judge of every
 * webhook is the `pusher` npm package's own `webhook({ headers, rawBody })`: `isValid()` under the
 * app's secret (and false under a wrong one), `getEvents()` for what it says.
 *
 * "Exactly once" is checked with a marker: one URL gets its requests in order, so once an event
 * made after the one under test has arrived, nothing more about the latter is still on its way.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { after, describe, test } from 'node:test';
import { APP, connected, next, pusherClient, serverSdk, startAuthEndpoint, subscribed } from '../helpers/pusher.js';
import { redisMissing, startRedis } from '../helpers/redis.js';
import { freePort, startServer, waitFor } from '../helpers/server.js';

/**
 * A bound on each test, so an event that never comes fails the test instead of hanging the run.
 * Generous (everything here takes well under 5 s); it asserts no timing.
 */
const BOUND = { timeout: 60_000 };

/** Short timings so the tests run in well under a second each; production defaults are Pusher's. */
const DELIVERY = { batchMs: 10, removalDelayMs: 100, retryBaseMs: 20, timeoutMs: 1000, shutdownFlushMs: 500 };

interface Received {
  body: string;
  valid: boolean;
  validUnderWrongSecret: boolean;
  events: any[];
  headers: IncomingMessage['headers'];
}

interface Receiver {
  url: string;
  requests: Received[];
  /** Every event of every valid request, in arrival order. */
  events(): any[];
  /** Requests still waiting for an answer (a hanging receiver), closed when the client gives up. */
  pending: Set<IncomingMessage>;
}

const goodSdk = serverSdk(1);
const wrongSdk = serverSdk(1, 'not-the-app-secret');

/**
 * An HTTP receiver on a free port. `answer(n)` decides the status of the n-th request (from 1), or
 * 'hang' to never answer.
 */
async function startReceiver(answer: (n: number) => number | 'hang' = () => 200): Promise<Receiver> {
  const requests: Received[] = [];
  const pending = new Set<IncomingMessage>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const headers = req.headers as Record<string, string>;
      const webhook = goodSdk.webhook({ headers, rawBody: body });
      const valid = webhook.isValid();
      requests.push({ body, valid, validUnderWrongSecret: wrongSdk.webhook({ headers, rawBody: body }).isValid(), events: valid ? webhook.getEvents() : [], headers: req.headers });
      const status = answer(requests.length);
      if (status === 'hang') {
        pending.add(req);
        req.socket.once('close', () => pending.delete(req));
        return;
      }
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/hook`, requests, events: () => requests.flatMap((request) => request.events), pending };
}

const named = (events: any[], name: string, channel: string) => events.filter((event) => event.name === name && event.channel === channel);

async function scrape(http: string): Promise<Map<string, number>> {
  const values = new Map<string, number>();
  for (const line of (await (await fetch(`${http}/metrics`)).text()).split('\n')) {
    const match = /^([a-z_]+)(?:\{[^}]*\})? ([-\d.e+]+)$/.exec(line);
    if (match) values.set(match[1]!, Number(match[2]));
  }
  return values;
}

describe('Pusher webhooks', BOUND, async () => {
  const receiver = await startReceiver();
  const membersOnly = await startReceiver();
  const { port, http } = await startServer({
    pusher: {
      apps: [{ ...APP, webhooks: [{ url: receiver.url, headers: { authorization: 'Bearer receiver-token' } }, { url: membersOnly.url, eventTypes: ['member_added'] }] }],
      // Long enough that a leave and a rejoin issued back to back always fall inside it.
      webhookDelivery: { ...DELIVERY, removalDelayMs: 1000 },
    },
    namespaces: { 'presence-': { presence: true } },
  });
  const auth = await startAuthEndpoint(serverSdk(port));
  let markers = 0;
  /** Occupies and vacates a fresh channel, and waits until the receiver has heard both. */
  const marker = async () => {
    const channel = `marker-${++markers}`;
    const client = pusherClient(port);
    await subscribed(client, channel);
    client.disconnect();
    await waitFor(() => named(receiver.events(), 'channel_vacated', channel).length === 1, 5000, `${channel} vacated`);
  };

  test('every request is signed as Pusher signs it: valid under the app secret, invalid under another', async () => {
    const client = pusherClient(port);
    await subscribed(client, 'signed');
    await waitFor(() => named(receiver.events(), 'channel_occupied', 'signed').length === 1, 5000, 'signed occupied');
    for (const request of receiver.requests) {
      assert.equal(request.valid, true, 'isValid() under the app secret');
      assert.equal(request.validUnderWrongSecret, false, 'isValid() under a wrong secret');
      assert.equal(request.headers['content-type'], 'application/json');
      assert.equal(request.headers['x-pusher-key'], APP.key);
      assert.equal(request.headers.authorization, 'Bearer receiver-token', "the target's own header");
      assert.equal(typeof JSON.parse(request.body).time_ms, 'number');
    }
    client.disconnect();
  });

  test('channel_occupied then channel_vacated, once each for two subscribers', async () => {
    const a = pusherClient(port);
    const b = pusherClient(port);
    await subscribed(a, 'room-a');
    await subscribed(b, 'room-a');
    a.unsubscribe('room-a');
    b.disconnect();
    await waitFor(() => named(receiver.events(), 'channel_vacated', 'room-a').length > 0, 5000, 'room-a vacated');
    await marker();
    const about = receiver.events().filter((event) => event.channel === 'room-a');
    assert.deepEqual(about, [
      { name: 'channel_occupied', channel: 'room-a' },
      { name: 'channel_vacated', channel: 'room-a' },
    ]);
  });

  test('a channel left and joined again within the removal delay is no event at all', async () => {
    const a = pusherClient(port);
    const b = pusherClient(port);
    await connected(b);
    await subscribed(a, 'reload');
    await waitFor(() => named(receiver.events(), 'channel_occupied', 'reload').length === 1, 5000, 'reload occupied');
    a.unsubscribe('reload');
    // Subscribed again at once (a page reload): the held vacated and this occupied cancel out.
    await subscribed(b, 'reload');
    await marker();
    assert.deepEqual(receiver.events().filter((event) => event.channel === 'reload'), [{ name: 'channel_occupied', channel: 'reload' }]);
  });

  test('member_added / member_removed are counted per user_id, and eventTypes filters what a URL gets', async () => {
    const alice1 = pusherClient(port, { authEndpoint: `${auth}?user=alice` });
    const alice2 = pusherClient(port, { authEndpoint: `${auth}?user=alice` });
    const bob = pusherClient(port, { authEndpoint: `${auth}?user=bob` });
    await subscribed(alice1, 'presence-team');
    await subscribed(alice2, 'presence-team');
    await subscribed(bob, 'presence-team');
    alice1.disconnect(); // alice is still there through alice2: no member_removed
    bob.disconnect();
    await waitFor(() => named(receiver.events(), 'member_removed', 'presence-team').length > 0, 5000, 'bob removed');
    alice2.unsubscribe('presence-team');
    await waitFor(() => named(receiver.events(), 'member_removed', 'presence-team').length > 1, 5000, 'alice removed');
    await marker();
    const members = receiver.events().filter((event) => event.channel === 'presence-team' && event.name.startsWith('member_'));
    assert.deepEqual(members, [
      { name: 'member_added', channel: 'presence-team', user_id: 'alice' },
      { name: 'member_added', channel: 'presence-team', user_id: 'bob' },
      { name: 'member_removed', channel: 'presence-team', user_id: 'bob' },
      { name: 'member_removed', channel: 'presence-team', user_id: 'alice' },
    ]);
    // The member_added-only URL: exactly those two, and nothing of any other type.
    await waitFor(() => membersOnly.events().length >= 2, 5000, 'members-only URL');
    assert.deepEqual(new Set(membersOnly.events().map((event) => event.name)), new Set(['member_added']));
    assert.deepEqual(named(membersOnly.events(), 'member_added', 'presence-team').map((event) => event.user_id), ['alice', 'bob']);
    assert.ok(membersOnly.requests.every((request) => request.valid));
  });

  test('client_event: channel, event, data, the sender socket_id, and user_id on presence channels', async () => {
    const sender = pusherClient(port, { authEndpoint: `${auth}?user=carol` });
    const other = pusherClient(port, { authEndpoint: `${auth}?user=dave` });
    const socketId = await connected(sender);
    await subscribed(sender, 'private-chat');
    await subscribed(other, 'private-chat');
    await subscribed(sender, 'presence-chat');
    await subscribed(other, 'presence-chat');
    const relayed = next(other, 'presence-chat', 'client-typing');
    sender.channel('private-chat')!.trigger('client-typing', { text: 'hi' });
    sender.channel('presence-chat')!.trigger('client-typing', { text: 'yo' });
    await relayed;
    await waitFor(() => receiver.events().filter((event) => event.name === 'client_event' && event.channel.endsWith('-chat')).length === 2, 5000, 'client events');
    assert.deepEqual(named(receiver.events(), 'client_event', 'private-chat'), [{ name: 'client_event', channel: 'private-chat', event: 'client-typing', data: '{"text":"hi"}', socket_id: socketId }]);
    assert.deepEqual(named(receiver.events(), 'client_event', 'presence-chat'), [{ name: 'client_event', channel: 'presence-chat', event: 'client-typing', data: '{"text":"yo"}', socket_id: socketId, user_id: 'carol' }]);
    assert.equal(named(membersOnly.events(), 'client_event', 'private-chat').length, 0);
  });

  test('delivered events are counted in /metrics', async () => {
    const metrics = await scrape(http);
    assert.ok((metrics.get('switchboard_pusher_webhook_events_sent_total') ?? 0) >= receiver.events().length, 'sent counts events');
    assert.equal(metrics.get('switchboard_pusher_webhook_events_dropped_total'), 0);
  });
});

describe('Pusher webhook delivery failures', BOUND, async () => {
  test('a 500 is retried until the receiver takes it; a 4xx is not retried', async () => {
    const flaky = await startReceiver((n) => (n <= 2 ? 500 : 200));
    const refusing = await startReceiver((n) => (n === 1 ? 400 : 200));
    const { port, http } = await startServer({
      pusher: { apps: [{ ...APP, webhooks: [{ url: flaky.url }, { url: refusing.url }] }], webhookDelivery: DELIVERY },
    });
    const client = pusherClient(port);
    await subscribed(client, 'retried');
    await waitFor(() => named(flaky.events(), 'channel_occupied', 'retried').length === 3, 5000, 'three attempts');
    assert.deepEqual(flaky.requests.map((request) => request.body).filter((body, i, all) => all.indexOf(body) === i).length, 1, 'the same signed body every time');
    // The refusing URL got the first batch once; a later event arriving proves it is not retried.
    await subscribed(client, 'after-refusal');
    await waitFor(() => named(refusing.events(), 'channel_occupied', 'after-refusal').length === 1, 5000, 'later event');
    assert.equal(named(refusing.events(), 'channel_occupied', 'retried').length, 1);
    const metrics = await scrape(http);
    assert.equal(metrics.get('switchboard_pusher_webhook_retries_total'), 2);
    assert.equal(metrics.get('switchboard_pusher_webhook_events_failed_total'), 1);
  });

  test('a receiver that is down or never answers delays nobody else, overflow is dropped and counted, shutdown does not wait on it', async () => {
    const good = await startReceiver();
    const hanging = await startReceiver(() => 'hang');
    const down = `http://127.0.0.1:${await freePort()}/nobody-listens`;
    const started = await startServer({
      pusher: {
        apps: [{ ...APP, webhooks: [{ url: hanging.url }, { url: down }, { url: good.url }] }],
        // A request timeout far beyond the test's bound: only the shutdown flush limit can end it.
        webhookDelivery: { ...DELIVERY, timeoutMs: 120_000, queueLimit: 3, maxBatchEvents: 1 },
      },
    });
    const { port, http, server } = started;
    const listener = pusherClient(port);
    await subscribed(listener, 'news');
    for (let i = 0; i < 8; i++) {
      const client = pusherClient(port);
      await subscribed(client, `busy-${i}`);
      // The good URL keeps up: each event reaches it while the other two are stuck.
      await waitFor(() => named(good.events(), 'channel_occupied', `busy-${i}`).length === 1, 5000, `busy-${i} at the good URL`);
    }
    const got = next(listener, 'news', 'still-live');
    await serverSdk(port).trigger('news', 'still-live', { ok: true });
    assert.deepEqual(await got, { ok: true });
    assert.equal(hanging.pending.size, 1, 'one request out to the hanging receiver, no more');
    // Nine events per URL: the stuck ones hold one in flight and three queued, and drop five each.
    assert.equal((await scrape(http)).get('switchboard_pusher_webhook_events_dropped_total'), 2 * (9 - 1 - 3));
    let retries = 0;
    await waitFor(() => {
      void scrape(http).then((metrics) => (retries = metrics.get('switchboard_pusher_webhook_retries_total') ?? 0));
      return retries > 0;
    }, 5000, 'the down URL retried');
    await server.close();
    await waitFor(() => hanging.pending.size === 0, 5000, 'the hanging request aborted by shutdown');
  });
});

describe('subscription_count and info', BOUND, async () => {
  const receiver = await startReceiver();
  const { port } = await startServer({
    pusher: { apps: [{ ...APP, subscriptionCount: true, webhooks: [{ url: receiver.url, eventTypes: ['subscription_count'] }] }], webhookDelivery: DELIVERY },
    namespaces: { 'presence-': { presence: true } },
  });
  const sdk = serverSdk(port);
  const auth = await startAuthEndpoint(sdk);

  test('subscribers get pusher:subscription_count as the count changes, and so does the webhook', async () => {
    const a = pusherClient(port);
    const first = next(a, 'counted', 'pusher:subscription_count');
    await subscribed(a, 'counted');
    assert.deepEqual(await first, { subscription_count: 1 });
    // A count still waiting to be sent is replaced by a newer one: let each go out before the next.
    await waitFor(() => named(receiver.events(), 'subscription_count', 'counted').length === 1, 5000, 'one count webhook');
    const toA = next(a, 'counted', 'pusher:subscription_count');
    const b = pusherClient(port);
    const toB = next(b, 'counted', 'pusher:subscription_count');
    await subscribed(b, 'counted');
    assert.deepEqual(await toA, { subscription_count: 2 });
    assert.deepEqual(await toB, { subscription_count: 2 });
    await waitFor(() => named(receiver.events(), 'subscription_count', 'counted').length === 2, 5000, 'two count webhooks');
    const afterLeave = next(a, 'counted', 'pusher:subscription_count');
    b.disconnect();
    assert.deepEqual(await afterLeave, { subscription_count: 1 });
    await waitFor(() => named(receiver.events(), 'subscription_count', 'counted').length === 3, 5000, 'three count webhooks');
    assert.deepEqual(named(receiver.events(), 'subscription_count', 'counted').map((event) => event.subscription_count), [1, 2, 1]);
  });

  test('info=subscription_count,user_count in trigger and batch answers, through the pusher SDK', async () => {
    const alice1 = pusherClient(port, { authEndpoint: `${auth}?user=alice` });
    const alice2 = pusherClient(port, { authEndpoint: `${auth}?user=alice` });
    await subscribed(alice1, 'presence-info');
    await subscribed(alice2, 'presence-info');
    await subscribed(pusherClient(port), 'plain-info');
    const answer = await sdk.trigger(['presence-info', 'plain-info'], 'e', 'x', { info: 'user_count,subscription_count' });
    assert.equal(answer.status, 200);
    assert.deepEqual(await answer.json(), {
      channels: { 'presence-info': { subscription_count: 2, user_count: 1 }, 'plain-info': { subscription_count: 1 } },
    });
    const batch = await sdk.triggerBatch([
      { channel: 'plain-info', name: 'e', data: 'x', info: 'subscription_count' } as any,
      { channel: 'presence-info', name: 'e', data: 'y', info: 'user_count' } as any,
      { channel: 'plain-info', name: 'e', data: 'z' },
    ]);
    assert.deepEqual(await batch.json(), { batch: [{ subscription_count: 1 }, { user_count: 1 }, {}] });
    const plain = await sdk.trigger('plain-info', 'e', 'x');
    assert.deepEqual(await plain.json(), {}, 'no info asked, nothing answered');
  });
});

describe('Pusher webhooks with the Redis engine: two servers, one app', { ...BOUND, skip: redisMissing }, async () => {
  const redis = await startRedis();
  const receiver = await startReceiver();
  const options = {
    pusher: { apps: [{ ...APP, webhooks: [{ url: receiver.url }] }], webhookDelivery: { ...DELIVERY, removalDelayMs: 0 } },
    namespaces: { 'presence-': { presence: true } },
    redis: { url: redis.url },
  };
  const a = await startServer(options);
  const b = await startServer(options);
  const authA = await startAuthEndpoint(serverSdk(a.port));
  const authB = await startAuthEndpoint(serverSdk(b.port));
  const members = (name: string, user: string) => named(receiver.events(), name, 'presence-cluster').filter((event) => event.user_id === user);

  test('a user on both servers is one member_added and one member_removed; occupancy is per server', async () => {
    const aliceA = pusherClient(a.port, { authEndpoint: `${authA}?user=alice` });
    const aliceB = pusherClient(b.port, { authEndpoint: `${authB}?user=alice` });
    await subscribed(aliceA, 'presence-cluster');
    await subscribed(aliceB, 'presence-cluster');
    // Server B would have queued a second member_added for alice before bob's: bob's arriving settles it.
    const bob = pusherClient(b.port, { authEndpoint: `${authB}?user=bob` });
    await subscribed(bob, 'presence-cluster');
    await waitFor(() => members('member_added', 'bob').length === 1, 5000, 'bob added (from B)');
    assert.equal(members('member_added', 'alice').length, 1);
    await waitFor(() => named(receiver.events(), 'channel_occupied', 'presence-cluster').length === 2, 5000, 'occupied by each server');

    aliceB.unsubscribe('presence-cluster'); // alice is still on A: not removed
    bob.unsubscribe('presence-cluster');
    await waitFor(() => members('member_removed', 'bob').length === 1, 5000, 'bob removed (from B)');
    assert.equal(members('member_removed', 'alice').length, 0);
    aliceA.unsubscribe('presence-cluster');
    await waitFor(() => members('member_removed', 'alice').length === 1, 5000, 'alice removed (from A)');
    await waitFor(() => named(receiver.events(), 'channel_vacated', 'presence-cluster').length === 2, 5000, 'vacated by each server');
    assert.ok(receiver.requests.every((request) => request.valid));
  });
});
