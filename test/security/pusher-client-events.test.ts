/**
 * Pusher's limits on client events, applied as Pusher applies them: at most 10 a second per
 * connection (more are dropped, each with a `pusher:error` 4301, and the socket stays) and event
 * names of at most 200 characters. Raw Pusher frames, so what is on the wire is what is asserted.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import WebSocket from 'ws';
import { PusherCode } from '../../src/server/fronts/pusher/codes.js';
import { CLIENT_EVENTS_PER_SECOND, MAX_EVENT_NAME_LENGTH } from '../../src/server/fronts/pusher/events.js';
import { startBystander } from '../helpers/bystander.js';
import { APP, serverSdk } from '../helpers/pusher.js';
import { startServer, waitFor } from '../helpers/server.js';

interface RawPusher {
  ws: WebSocket;
  socketId: string;
  events: any[];
}

/** A raw socket on /app/:key that collects every event it is sent, subscribed to `channel` with a valid signature. */
async function rawPusher(port: number, channel: string): Promise<RawPusher> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/app/${APP.key}?protocol=7`);
  const events: any[] = [];
  ws.on('message', (data) => events.push(JSON.parse(data.toString())));
  await waitFor(() => events.length > 0, 5000, 'connection_established');
  const socketId = JSON.parse(events[0].data).socket_id as string;
  const { auth } = serverSdk(port).authorizeChannel(socketId, channel);
  ws.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel, auth } }));
  await waitFor(() => events.some((event) => event.event === 'pusher_internal:subscription_succeeded'), 5000, 'subscription_succeeded');
  return { ws, socketId, events };
}

const relayed = (socket: RawPusher, name?: string) => socket.events.filter((event) => event.event.startsWith('client-') && (name === undefined || event.event === name));
const errors = (socket: RawPusher) => socket.events.filter((event) => event.event === 'pusher:error');

describe('Pusher client event limits', async () => {
  const { server, url, port } = await startServer({ pusher: { apps: [{ ...APP }] } });
  const bystander = await startBystander(server, url);

  test('a client event flood: past 10 a second each one is dropped with pusher:error 4301; the socket stays and the others arrive in order', async () => {
    const sender = await rawPusher(port, 'private-flood');
    const receiver = await rawPusher(port, 'private-flood');
    const sent = 100;
    // One burst, far faster than 10 a second on any machine.
    for (let i = 0; i < sent; i++) sender.ws.send(JSON.stringify({ event: 'client-tick', channel: 'private-flood', data: { i } }));
    sender.ws.send(JSON.stringify({ event: 'pusher:ping', data: {} }));
    await waitFor(() => sender.events.some((event) => event.event === 'pusher:pong'), 5000, 'pong after the flood');
    const rejected = errors(sender);
    assert.ok(rejected.length > 0, 'some client events were refused');
    for (const error of rejected) assert.equal(error.data.code, PusherCode.ClientEventRateLimit);
    await waitFor(() => relayed(receiver).length === sent - rejected.length, 5000, 'every accepted event relayed');
    assert.ok(relayed(receiver).length >= CLIENT_EVENTS_PER_SECOND, 'a burst of 10 is accepted');
    const order = relayed(receiver).map((event) => JSON.parse(event.data).i as number);
    assert.deepEqual(order, [...order].sort((a, b) => a - b));
    assert.equal(sender.ws.readyState, WebSocket.OPEN);
    sender.ws.close();
    receiver.ws.close();
    await bystander.check();
  });

  test('a client event name over 200 characters is refused with pusher:error and not relayed; 200 is fine', async () => {
    const sender = await rawPusher(port, 'private-names');
    const receiver = await rawPusher(port, 'private-names');
    const long = `client-${'x'.repeat(60_000)}`;
    const limit = `client-${'y'.repeat(MAX_EVENT_NAME_LENGTH - 'client-'.length)}`;
    sender.ws.send(JSON.stringify({ event: long, channel: 'private-names', data: {} }));
    sender.ws.send(JSON.stringify({ event: limit, channel: 'private-names', data: {} }));
    await waitFor(() => relayed(receiver, limit).length === 1, 5000, 'the 200-character event');
    assert.equal(relayed(receiver, long).length, 0);
    const refused = errors(sender);
    assert.equal(refused.length, 1);
    assert.match(refused[0].data.message, /at most 200 characters/);
    assert.ok(JSON.stringify(refused[0]).length < 300, 'the refusal does not echo the name');
    assert.equal(sender.ws.readyState, WebSocket.OPEN);
    sender.ws.close();
    receiver.ws.close();
    await bystander.check();
  });
});
