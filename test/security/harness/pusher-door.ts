/**
 * The Pusher WebSocket door (`/app/:key?protocol=7`, docs/pusher.md), driven with raw JSON text
 * frames. Its oracle is Pusher's: `pusher_internal:subscription_succeeded`, `pusher:subscription_error`
 * with the documented status, `pusher:error`, or a close in Pusher's ranges; a signed channel opens
 * only with the app's signature for this socket and this channel.
 */
import WebSocket from 'ws';
import { MAX_MSGPACK_DEPTH } from '../../../src/protocol/index.js';
import { channelKind, channelProblem } from '../../../src/server/fronts/pusher/channels.js';
import { createHmac } from 'node:crypto';
import { APP, serverSdk } from '../../helpers/pusher.js';
import { settle } from './counts.js';
import type { Door } from './door.js';
import { nestedJson, type Hostile, type TokenKind } from './hostile.js';
import { WRONG_SECRET, type Target } from './target.js';
import { tokenOfKind } from './tokens.js';

/** A raw socket on the Pusher door that keeps every event it is sent. */
class PusherSocket {
  readonly events: any[] = [];
  closed: number | undefined;
  socketId = '';
  private wake: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.events.push(JSON.parse(data.toString()));
      this.wakeAll();
    });
    ws.on('close', (code) => {
      this.closed = code;
      this.wakeAll();
    });
    ws.on('error', () => {});
  }

  static async open(port: number): Promise<PusherSocket> {
    const socket = new PusherSocket(new WebSocket(`ws://127.0.0.1:${port}/app/${APP.key}?protocol=7`));
    const established = await socket.next((event) => event.event === 'pusher:connection_established');
    socket.socketId = JSON.parse(established.data).socket_id;
    return socket;
  }

  send(event: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(event));
  }

  /** Waits for (and removes) the first event matching `match`; throws when the socket closed first. */
  async next(match: (event: any) => boolean, timeoutMs = 5000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.events.findIndex(match);
      if (index >= 0) return this.events.splice(index, 1)[0];
      if (this.closed !== undefined) throw new Error(`closed ${this.closed}`);
      if (Date.now() > deadline) throw new Error(`no matching event; have ${JSON.stringify(this.events).slice(0, 300)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.wake.push(() => (clearTimeout(timer), resolve()));
      });
    }
  }

  /** Sends a ping and names what came before the pong: "ok", or the pusher:error codes. */
  async sync(): Promise<string> {
    this.send({ event: 'pusher:ping', data: {} });
    try {
      await this.next((event) => event.event === 'pusher:pong');
    } catch {
      return `close ${this.closed}`;
    }
    const errors = this.events.filter((event) => event.event === 'pusher:error');
    this.events.length = 0;
    return errors.length === 0 ? 'ok' : [...new Set(errors.map((event) => `pusher:error ${event.data?.code}`))].join(',');
  }

  /** Subscribes and names the answer: "succeeded", "error <status>" or the close. */
  async subscribe(channel: string, extra: Record<string, unknown> = {}): Promise<string> {
    this.send({ event: 'pusher:subscribe', data: { channel, ...extra } });
    try {
      const event = await this.next((e) => (e.channel === channel.slice(0, 164) && /subscription_(succeeded|error)$/.test(e.event)) || e.event === 'pusher:error');
      if (event.event === 'pusher:error') return `pusher:error ${event.data?.code}`;
      return event.event === 'pusher_internal:subscription_succeeded' ? 'succeeded' : `error ${event.data?.status}`;
    } catch {
      return `close ${this.closed}`;
    }
  }

  async closedWith(): Promise<number> {
    while (this.closed === undefined) await new Promise<void>((resolve) => this.wake.push(resolve));
    return this.closed;
  }

  private wakeAll(): void {
    for (const wake of this.wake.splice(0)) wake();
  }
}

/** What subscribing to `channel` without a signature gets (channels.ts, channel-session.ts). */
export function pusherSubscribeRule(channel: string, maxTopicBytes: number): string {
  if (channelProblem(channel, maxTopicBytes) !== null) return 'error 400';
  if (channelKind(channel) !== 'public') return 'error 401';
  // A Pusher socket is anonymous: a public name in a namespace that is not `anyone` is refused.
  return channel.startsWith('sealed-') ? 'error 403' : 'succeeded';
}

const REPLAYS = 3;

export function pusherDoor(target: Target): Door {
  const sdk = serverSdk(target.port);
  let open: PusherSocket | undefined;
  const socket = async () => {
    if (open === undefined || open.closed !== undefined) open = await PusherSocket.open(target.port);
    return open;
  };
  /** A socket on a private channel it signed for, sending client events there, and another one that receives them. */
  let sender: PusherSocket | undefined;
  let observer: PusherSocket | undefined;
  const joined = async () => {
    const ws = await PusherSocket.open(target.port);
    const answer = await ws.subscribe('private-fuzz', { auth: sdk.authorizeChannel(ws.socketId, 'private-fuzz').auth });
    if (answer !== 'succeeded') throw new Error(`private-fuzz: ${answer}`);
    return ws;
  };
  const clientEventSocket = async () => {
    if (sender === undefined || sender.closed !== undefined) sender = await joined();
    if (observer === undefined || observer.closed !== undefined) observer = await joined();
    return sender;
  };
  let eventNumber = 0;
  /**
   * Sends a client event and names its fate: "ok" once the observer received it, the pusher:error
   * the sender got instead, or the sender's close. The publish may complete after a later ping's
   * pong, so the relay itself is the synchronisation point.
   */
  async function clientEventFate(ws: PusherSocket, text: (name: string) => string): Promise<string> {
    const name = `client-f${++eventNumber}`;
    ws.events.length = 0;
    ws.ws.send(text(name));
    const deadline = Date.now() + 5000;
    for (;;) {
      if (observer!.events.some((event) => event.event === name)) {
        observer!.events.length = 0;
        return 'ok';
      }
      const refused = ws.events.find((event) => event.event === 'pusher:error');
      if (refused !== undefined) return `pusher:error ${refused.data?.code}`;
      if (ws.closed !== undefined) return `close ${ws.closed}`;
      if (Date.now() > deadline) return 'no answer';
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  const clientEvent = (data: string, name = 'client-fuzz') => `{"event":"${name}","channel":"private-fuzz","data":${data}}`;

  return {
    name: 'Pusher WebSocket',
    notApplicable: { types: 'non-object frames and non-string channel, auth and channel_data: test/security/pusher-hostile.test.ts' },

    async send(input: Hostile): Promise<string> {
      switch (input.class) {
        case 'depth': {
          return clientEventFate(await clientEventSocket(), (name) => clientEvent(nestedJson(input.depth), name));
        }
        case 'size': {
          const text = clientEvent(JSON.stringify('x'.repeat(input.bytes)));
          const ws = Buffer.byteLength(text) > target.limits.maxPayloadBytes ? await PusherSocket.open(target.port) : await clientEventSocket();
          if (ws !== sender) {
            ws.ws.send(text);
            return `close ${await ws.closedWith()}`;
          }
          return clientEventFate(ws, (name) => clientEvent(JSON.stringify('x'.repeat(input.bytes)), name));
        }
        case 'utf8': {
          const ws = await PusherSocket.open(target.port);
          ws.ws.send(Buffer.concat([Buffer.from('{"event":"pusher:subscribe","data":{"channel":"'), Buffer.from(input.bytes), Buffer.from('"}}')]), { binary: false });
          return `close ${await ws.closedWith()}`;
        }
        case 'name': {
          const ws = await socket();
          const answer = await ws.subscribe(input.name);
          if (answer === 'succeeded') ws.send({ event: 'pusher:unsubscribe', data: { channel: input.name } });
          return answer;
        }
        case 'churn': {
          const ws = await PusherSocket.open(target.port);
          const names = input.names.filter((name) => pusherSubscribeRule(name, target.limits.maxTopicBytes) !== 'error 400');
          for (let round = 0; round < input.rounds; round++) {
            for (const channel of names) ws.send({ event: 'pusher:subscribe', data: { channel } });
            names.forEach((channel, i) => i % 2 === 0 && ws.send({ event: 'pusher:unsubscribe', data: { channel } }));
          }
          await ws.sync();
          const want = names.map((name, i) => (i % 2 === 1 && pusherSubscribeRule(name, target.limits.maxTopicBytes) === 'succeeded' ? 1 : 0));
          const problem = await settle(target, names, want);
          ws.ws.close();
          return problem ?? (await settle(target, names, names.map(() => 0), 'after close')) ?? 'consistent';
        }
        case 'replay':
          return replay(input.variant % REPLAYS);
        case 'token': {
          const ws = await socket();
          const auth = await pusherAuthOfKind(input.kind, ws.socketId);
          return ws.subscribe('private-token', auth === undefined ? {} : { auth });
        }
        case 'types':
          return 'n/a';
      }
    },

    expected(input: Hostile): readonly string[] {
      switch (input.class) {
        case 'depth':
          // Relayed, or dropped with 4301 past 10 a second; stored as {event, data} in standard
          // msgpack (at most MAX_MSGPACK_DEPTH levels), deeper data is refused with code null.
          return [input.depth < MAX_MSGPACK_DEPTH ? 'ok' : 'pusher:error null', 'pusher:error 4301'];
        case 'size': {
          const bytes = Buffer.byteLength(clientEvent(JSON.stringify('x'.repeat(input.bytes))));
          if (bytes <= target.limits.maxPayloadBytes) return ['ok', 'pusher:error 4301'];
          return bytes > 4 * target.limits.maxPayloadBytes ? ['close 4100', 'close 1006'] : ['close 4100'];
        }
        case 'utf8':
          return ['close 1006'];
        case 'name':
          return [pusherSubscribeRule(input.name, target.limits.maxTopicBytes)];
        case 'churn':
          return ['consistent'];
        case 'replay':
        case 'token':
          return ['error 401'];
        case 'types':
          return ['n/a'];
      }
    },

    async stillServes() {
      const ws = await PusherSocket.open(target.port);
      if ((await ws.subscribe('serves')) !== 'succeeded') throw new Error('Pusher: cannot subscribe to a public channel');
      await sdk.trigger('serves', 'still', { ok: true });
      await ws.next((event) => event.event === 'still' && event.channel === 'serves');
      ws.ws.close();
    },
  };

  async function replay(variant: number): Promise<string> {
    const ws = await socket();
    const other = await PusherSocket.open(target.port);
    other.ws.close();
    switch (variant) {
      case 0: // a signature captured from another socket
        return ws.subscribe('private-r', { auth: sdk.authorizeChannel(other.socketId, 'private-r').auth });
      case 1: // this socket's signature for another channel
        return ws.subscribe('private-s', { auth: sdk.authorizeChannel(ws.socketId, 'private-r').auth });
      default: {
        // A presence signature with the member data changed afterwards (another user id).
        const signed = sdk.authorizeChannel(ws.socketId, 'presence-r', { user_id: 'mallory', user_info: {} });
        return ws.subscribe('presence-r', { auth: signed.auth, channel_data: JSON.stringify({ user_id: 'bystander', user_info: {} }) });
      }
    }
  }

  /** The `auth` field a socket presents for a private channel, of the given wrong kind. */
  async function pusherAuthOfKind(kind: TokenKind, socketId: string): Promise<string | undefined> {
    if (kind === 'wrong-key') return `${APP.key}:${createHmac('sha256', WRONG_SECRET).update(`${socketId}:private-token`).digest('hex')}`;
    if (kind === 'other-user') return sdk.authorizeChannel(`${socketId}9`, 'private-token').auth;
    // JWTs of every kind are no Pusher signature.
    const token = await tokenOfKind(target, kind, { topic: 'private-token' });
    return token === undefined ? undefined : kind === 'garbage' ? `${APP.key}:${token}` : token;
  }
}
