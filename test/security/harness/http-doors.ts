/**
 * The two HTTP doors: the HTTP API (`/api/*` with the API key, docs/api.md §3) and the Pusher HTTP
 * API (`/apps/:id/*`, signed with the `pusher` npm package as the oracle of a valid signature,
 * docs/pusher.md). Their oracle is the status and `{error, code}` body the docs promise; a 5xx or a
 * dropped connection is always a finding.
 */
import { createHash, createHmac } from 'node:crypto';
import { topicProblem } from '../../../src/protocol/index.js';
import { channelProblem } from '../../../src/server/fronts/pusher/channels.js';
import { APP, serverSdk } from '../../helpers/pusher.js';
import { RawClient } from '../../helpers/raw-client.js';
import { settle } from './counts.js';
import type { Door } from './door.js';
import { nestedJson, type Hostile } from './hostile.js';
import { API_KEY, WRONG_SECRET, type Target } from './target.js';
import { tokenOfKind } from './tokens.js';

/** Sends a request and names the answer: `http <status>`, plus the body's code on a 400. */
async function outcome(url: string, init: RequestInit): Promise<string> {
  try {
    const res = await fetch(url, init);
    const text = await res.text();
    if (res.status !== 400) return `http ${res.status}`;
    let code = '';
    try {
      code = (JSON.parse(text) as { code?: string }).code ?? '';
    } catch {
      // Pusher's 400s are plain text
    }
    return `http 400${code === '' ? '' : ` ${code}`}`;
  } catch (err) {
    return `connection failed: ${(err as Error).message}`;
  }
}

/** Bytes for a request body (fetch wants an ArrayBuffer-backed view). */
function bytes(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.concat(parts));
}

/** msgpack for `{topic, data}` with `data` nested `depth` arrays deep, by hand. */
function msgpackPublish(topic: string, dataBytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const str = (text: string) => Buffer.concat([Buffer.from([0xd9, Buffer.byteLength(text)]), Buffer.from(text)]);
  return bytes(Buffer.from([0x82]), str('topic'), str(topic), str('data'), dataBytes);
}

export function httpApiDoor(target: Target): Door {
  const headers = (type = 'application/json') => ({ 'content-type': type, authorization: `Bearer ${API_KEY}` });
  const publish = (body: BodyInit, type?: string) => outcome(`${target.http}/api/publish`, { method: 'POST', headers: headers(type), body });
  const json = (value: unknown) => JSON.stringify(value);
  const publishBody = (topic: string, data: string) => `{"topic":${json(topic)},"data":${data}}`;

  return {
    name: 'HTTP API',
    notApplicable: { types: 'wrong types in every body field: test/security/limits.test.ts (400 bodies) and the validation table of docs/security.md §5.4' },

    async send(input: Hostile): Promise<string> {
      switch (input.class) {
        case 'depth': {
          const viaJson = await publish(publishBody('open:depth', nestedJson(input.depth)));
          const viaMsgpack = await publish(msgpackPublish('open:depth', Buffer.alloc(input.depth + 1, 0x91).fill(0x01, input.depth)), 'application/msgpack');
          return `${viaJson} / ${viaMsgpack}`;
        }
        case 'size':
          return publish(publishBody('open:size', json('x'.repeat(input.bytes))));
        case 'utf8': {
          const bad = Buffer.from(input.bytes);
          const inData = await publish(bytes(Buffer.from('{"topic":"open:utf8","data":"'), bad, Buffer.from('"}')));
          const inTopic = await publish(bytes(Buffer.from('{"topic":"open:'), bad, Buffer.from('","data":1}')));
          const inMsgpack = await publish(msgpackPublish('open:utf8', bytes(Buffer.from([0xd9, bad.length]), bad)), 'application/msgpack');
          return `${inData} / ${inTopic} / ${inMsgpack}`;
        }
        case 'name': {
          const published = await publish(publishBody(input.name, '1'));
          const counted = await outcome(`${target.http}/api/topics/${encodeURIComponent(input.name)}`, { headers: headers() });
          return `${published} / ${counted}`;
        }
        case 'churn': {
          // Server-side subscriptions (trusted: no namespace rule applies) of a connected user.
          const user = await RawClient.connect(`${target.url}?token=${await target.sign({}, { sub: 'churner' })}`, { format: 'json' });
          const call = (path: string, topics: string[]) => outcome(`${target.http}/api/${path}`, { method: 'POST', headers: headers(), body: json({ user: 'churner', topics }) });
          for (let round = 0; round < input.rounds; round++) {
            await call('subscribe', input.names);
            await call('unsubscribe', input.names.filter((_, i) => i % 2 === 0));
          }
          const problem = await settle(target, input.names, input.names.map((_, i) => i % 2));
          user.close();
          return problem ?? (await settle(target, input.names, input.names.map(() => 0), 'after close')) ?? 'consistent';
        }
        case 'replay': {
          const key = `replay-${input.variant}-${Date.now()}`;
          const send = (topic: string, headerKey = key, bodyKey = key) =>
            fetch(`${target.http}/api/publish`, { method: 'POST', headers: { ...headers(), 'idempotency-key': headerKey }, body: json({ topic, data: 1, idempotencyKey: bodyKey }) }).then(async (res) => ({ status: res.status, body: (await res.json()) as { seq?: number; duplicate?: boolean } }));
          const first = await send('open:replay');
          switch (input.variant % 3) {
            case 0: {
              const again = await send('open:replay');
              return again.status === 200 && again.body.duplicate === true && again.body.seq === first.body.seq ? 'duplicate' : JSON.stringify(again);
            }
            case 1: {
              const elsewhere = await send('open:replay-other');
              return elsewhere.status === 200 && elsewhere.body.duplicate !== true ? 'published' : JSON.stringify(elsewhere);
            }
            default:
              return `http ${(await send('open:replay', key, `${key}-other`)).status}`;
          }
        }
        case 'token': {
          const token = await tokenOfKind(target, input.kind);
          return outcome(`${target.http}/api/publish`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) }, body: publishBody('open:token', '1') });
        }
        case 'types':
          return 'n/a';
      }
    },

    expected(input: Hostile): readonly string[] {
      switch (input.class) {
        case 'depth':
          // JSON data is packed alone (standard msgpack stops at 128 levels); a msgpack body is one level deeper than its data.
          return [`${input.depth <= 128 ? 'http 200' : 'http 400 BAD_FRAME'} / ${input.depth + 1 <= 128 ? 'http 200' : 'http 400 BAD_REQUEST'}`];
        case 'size':
          return [Buffer.byteLength(publishBody('open:size', json('x'.repeat(input.bytes)))) <= target.limits.maxHttpBodyBytes ? 'http 200' : 'http 413'];
        case 'utf8':
          // JSON bodies are read as UTF-8 with replacement characters: in data they are data, in a topic not visible ASCII.
          return ['http 200 / http 400 INVALID_TOPIC / http 400 BAD_REQUEST'];
        case 'name':
          // '', '.' and '..' are no path segment once the URL is normalised: the route is not found.
          return [`${topicProblem(input.name) === null ? 'http 200' : 'http 400 INVALID_TOPIC'} / ${['', '.', '..'].includes(input.name) ? 'http 404' : 'http 200'}`];
        case 'churn':
          return ['consistent'];
        case 'replay':
          return [['duplicate', 'published', 'http 400'][input.variant % 3]!];
        case 'token':
          return ['http 401'];
        case 'types':
          return ['n/a'];
      }
    },

    async stillServes() {
      const answer = await publish(publishBody('open:serves', '"still"'));
      if (answer !== 'http 200') throw new Error(`HTTP API: publish answered ${answer}`);
    },
  };
}

export function pusherApiDoor(target: Target): Door {
  const sdk = serverSdk(target.port);
  const path = `/apps/${APP.id}/events`;
  /** POSTs `body` signed by the SDK (or by hand over raw bytes, which the SDK cannot sign). */
  const signedPost = (body: string | Uint8Array<ArrayBuffer>, route = path, secret: string = APP.secret) => {
    const query =
      typeof body === 'string' && secret === APP.secret
        ? sdk.createSignedQueryString({ method: 'POST', path: route, body })
        : handSigned('POST', route, body, secret);
    return { url: `${target.http}${route}?${query}`, init: { method: 'POST', headers: { 'content-type': 'application/json' }, body } satisfies RequestInit };
  };
  const post = (body: string | Uint8Array<ArrayBuffer>, route?: string) => {
    const { url, init } = signedPost(body, route);
    return outcome(url, init);
  };
  const event = (channel: string, data: string) => `{"name":"e","channel":${JSON.stringify(channel)},"data":${data}}`;

  return {
    name: 'Pusher HTTP API',
    notApplicable: {
      churn: 'the Pusher HTTP API holds no subscriptions to churn (its channel queries are read-only)',
      types: 'wrong field types: the 400 answers of src/server/fronts/pusher/http-api.ts are tested in test/integration/pusher.test.ts',
    },

    async send(input: Hostile): Promise<string> {
      switch (input.class) {
        case 'depth':
          return `${await post(event('depth', JSON.stringify(nestedJson(input.depth))))} / ${await post(event('depth', nestedJson(input.depth)))}`;
        case 'size':
          return post(event('size', JSON.stringify('x'.repeat(input.bytes))));
        case 'utf8': {
          const bad = Buffer.from(input.bytes);
          const inData = await post(bytes(Buffer.from('{"name":"e","channel":"utf8","data":"'), bad, Buffer.from('"}')));
          const inChannel = await post(bytes(Buffer.from('{"name":"e","channel":"u'), bad, Buffer.from('","data":"1"}')));
          return `${inData} / ${inChannel}`;
        }
        case 'name':
          return post(event(input.name, '"1"'));
        case 'replay':
          return replay(input.variant % 6);
        case 'token': {
          const { url, init } = signedPost(event('token', '"1"'));
          const parsed = new URL(url);
          if (input.kind === 'none') {
            for (const name of ['auth_key', 'auth_signature', 'auth_timestamp', 'auth_version', 'body_md5']) parsed.searchParams.delete(name);
          } else if (input.kind === 'wrong-key') {
            return outcome(signedPost(event('token', '"1"'), path, WRONG_SECRET).url, init);
          } else if (input.kind === 'other-user') {
            parsed.searchParams.set('auth_key', 'another-app-key');
          } else {
            parsed.searchParams.set('auth_signature', (await tokenOfKind(target, input.kind))!);
          }
          return outcome(parsed.toString(), init);
        }
        case 'churn':
        case 'types':
          return 'n/a';
      }
    },

    expected(input: Hostile): readonly string[] {
      switch (input.class) {
        case 'depth':
          // `data` is a string the server never parses; anything else is a 400.
          return ['http 200 / http 400'];
        case 'size':
          return [Buffer.byteLength(event('size', JSON.stringify('x'.repeat(input.bytes)))) <= target.limits.pusherBodyBytes ? 'http 200' : 'http 413'];
        case 'utf8':
          return ['http 200 / http 400'];
        case 'name':
          return [channelProblem(input.name, target.limits.maxTopicBytes) === null ? 'http 200' : 'http 400'];
        // A request refused before its signature verified spends its address's small bucket
        // (10/s, burst 20): past it the answer is 429 without looking further (docs/security.md §5.4).
        case 'replay':
          return input.variant % 6 === 0 ? ['http 200'] : [['http 401', 'http 401', 'http 401', 'http 400', 'http 401'][(input.variant % 6) - 1]!, 'http 429'];
        case 'token':
          return ['http 401', 'http 429'];
        case 'churn':
        case 'types':
          return ['n/a'];
      }
    },

    async stillServes() {
      const answer = await post(event('serves', '"still"'));
      if (answer !== 'http 200') throw new Error(`Pusher HTTP API: trigger answered ${answer}`);
    },
  };

  /** Captured signed requests used again: within the window, late, elsewhere, with another body, re-split, extended. */
  async function replay(variant: number): Promise<string> {
    const body = event('replay', '"1"');
    const { url, init } = signedPost(body);
    if (variant === 0) return outcome(url, init); // Pusher accepts a replay within its 600 s window; so do we
    if (variant === 1) return outcome(`${target.http}${path}?${handSigned('POST', path, body, APP.secret, Math.floor(Date.now() / 1000) - 601)}`, init);
    if (variant === 2) return outcome(url.replace('/events?', '/batch_events?'), init);
    if (variant === 3) return outcome(url, { ...init, body: body.replace('replay', 'other') });
    const query = sdk.createSignedQueryString({ method: 'GET', path: `/apps/${APP.id}/channels`, params: { filter_by_prefix: 'presence-', info: 'user_count' } });
    const channels = `${target.http}/apps/${APP.id}/channels?`;
    if (variant === 4) return outcome(channels + query.replace('filter_by_prefix=presence-&info=user_count', 'filter_by_prefix=presence-%26info%3Duser_count'), {});
    return outcome(`${channels}${query}&extra=1`, {});
  }
}

/** The Pusher signature by hand (the SDK's algorithm), over raw body bytes and any clock. */
function handSigned(method: string, path: string, body: string | Uint8Array, secret: string, timestamp = Math.floor(Date.now() / 1000)): string {
  const params: Record<string, string> = { auth_key: APP.key, auth_timestamp: String(timestamp), auth_version: '1.0', body_md5: createHash('md5').update(body).digest('hex') };
  const query = Object.keys(params)
    .sort()
    .map((key) => `${key}=${params[key]}`)
    .join('&');
  return `${query}&auth_signature=${createHmac('sha256', secret).update(`${method}\n${path}\n${query}`).digest('hex')}`;
}
