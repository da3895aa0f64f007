/**
 * Backend-hook answers as a door: the attacker is whatever answers the hook URLs (a compromised or
 * broken backend, a proxy in between). The hostile backend (hostile-backend.ts) answers the rpc,
 * subscribe and connect calls a native client triggers with scripted bodies. The oracle is the
 * answer table of docs/api.md §1.8: a refused answer is Error 100 (a connect closes 4005), never a
 * crash, and no answer can give a connection another user's topics.
 */
import { MAX_ANSWER_DEPTH } from '../../../src/server/connection/backend-hooks/answers.js';
import { Kind } from '../../../src/protocol/index.js';
import { RawClient } from '../../helpers/raw-client.js';
import { upgradeStatus } from '../../helpers/upgrade.js';
import type { Door } from './door.js';
import { nestedJson, type Hostile } from './hostile.js';
import { nativeSubscribeRule } from './native-door.js';
import type { Target } from './target.js';
import { ATTACKER } from './tokens.js';

export function backendDoor(target: Target): Door {
  let nextId = 1;
  let open: RawClient | undefined;
  const token = () => target.sign({}, { sub: ATTACKER });
  const connection = async () => {
    if (open === undefined || open.closed) open = await RawClient.connect(`${target.url}?token=${await token()}`, { format: 'json' });
    return open;
  };
  const answer = (body: string | Uint8Array, status = 200) => target.backend.script({ status, body });

  async function ask(raw: RawClient, frame: Record<string, unknown>): Promise<string> {
    const id = nextId++;
    raw.send({ ...frame, id } as never);
    try {
      const reply = await raw.answer(id, 10_000);
      return reply.kind === Kind.Reply ? 'reply' : `error ${(reply as { code: number }).code}`;
    } catch (err) {
      if (raw.closed) return `close ${raw.closed.code}`;
      throw err;
    }
  }
  const rpc = async (body: string | Uint8Array) => ask(await connection(), { kind: Kind.Rpc, method: answer(body), data: null });
  /** Connects with the connect hook answering `body`: "welcome" or the close. */
  async function connectWith(body: string | Uint8Array): Promise<string> {
    const outcome = await upgradeStatus(`${target.url}?token=${await token()}&answer=${answer(body)}`, { protocols: ['switchboard.v1.json'] });
    return outcome.close ? `close ${outcome.close.code}` : outcome.status === 101 ? 'welcome' : `http ${outcome.status}`;
  }
  const json = (value: unknown) => JSON.stringify(value);

  return {
    name: 'backend-hook answers',
    notApplicable: {
      replay: 'a backend answer is tied to its call by the HTTP exchange; there is no credential to replay',
      token: 'the backend names identities by design (§3a); the tokens it is shown are the token class of the native door',
    },

    async send(input: Hostile): Promise<string> {
      switch (input.class) {
        case 'depth':
          return `${await rpc(`{"result":${nestedJson(input.depth)}}`)} / ${await connectWith(`{"info":${nestedJson(input.depth)}}`)}`;
        case 'size':
          return rpc(`{"result":${json('x'.repeat(input.bytes))}}`);
        case 'utf8': {
          const bad = Buffer.from(input.bytes);
          return `${await rpc(Buffer.concat([Buffer.from('{"result":"'), bad, Buffer.from('"}')]))} / ${await connectWith(Buffer.concat([Buffer.from('{"userId":"'), bad, Buffer.from('"}')]))}`;
        }
        case 'name': {
          // The backend names the user: it can never reach another user's topic by the shape of the name.
          const outcome = await upgradeStatus(`${target.url}?token=${await token()}&answer=${answer(json({ userId: input.name }))}`, { protocols: ['switchboard.v1.json'] });
          if (outcome.close) return `close ${outcome.close.code}`;
          const raw = await RawClient.connect(`${target.url}?token=${await token()}&answer=${answer(json({ userId: input.name }))}`, { format: 'json' });
          const bystanders = await ask(raw, { kind: Kind.Subscribe, topics: ['user:bystander'] });
          const own = await ask(raw, { kind: Kind.Subscribe, topics: [`user:${input.name}`] });
          raw.close();
          return `welcome / ${bystanders} / ${own}`;
        }
        case 'churn': {
          // Subscribe churn on backend-checked topics: the backend never sees more calls open than the cap.
          const raw = await RawClient.connect(`${target.url}?token=${await token()}`, { format: 'json' });
          const topics = input.names.map((_, i) => `hook:churn${i}`);
          for (let round = 0; round < input.rounds; round++) {
            for (const topic of topics) raw.send({ kind: Kind.Subscribe, id: 0, topics: [topic] });
            topics.forEach((topic, i) => i % 2 === 0 && raw.send({ kind: Kind.Unsubscribe, id: 0, topics: [topic] }));
          }
          const ping = await ask(raw, { kind: Kind.Ping });
          raw.close();
          return target.backend.stats.maxOpen <= 64 ? ping : `${target.backend.stats.maxOpen} backend calls open at once`;
        }
        case 'types': {
          // One documented answer field per hook, with a value of any JSON type.
          const value = input.value;
          switch (input.field % 6) {
            case 0:
              return connectWith(json({ userId: value }));
            case 1:
              return connectWith(json({ claims: value }));
            case 2:
              return rpc(json({ error: value }));
            case 3:
              return ask(await connection(), { kind: Kind.Subscribe, topics: [`hook:${answer(json({ allow: value }))}`] });
            case 4:
              return rpc(json(value));
            default:
              return connectWith(json({ reject: value }));
          }
        }
        case 'replay':
        case 'token':
          return 'n/a';
      }
    },

    expected(input: Hostile): readonly string[] {
      switch (input.class) {
        case 'depth':
          // The answer object itself is level 1.
          return [`${input.depth + 1 <= MAX_ANSWER_DEPTH ? 'reply' : 'error 100'} / ${input.depth + 1 <= MAX_ANSWER_DEPTH ? 'welcome' : 'close 4005'}`];
        case 'size':
          return [Buffer.byteLength(`{"result":${json('x'.repeat(input.bytes))}}`) <= target.limits.maxResponseBytes ? 'reply' : 'error 100'];
        case 'utf8':
          // Read as UTF-8 with replacement characters, like any JSON body.
          return ['reply / welcome'];
        case 'name': {
          if (input.name === '') return ['close 4005']; // "userId" must be a non-empty string
          return [`welcome / ${input.name === 'bystander' ? 'reply' : 'error 104'} / ${nativeSubscribeRule(`user:${input.name}`, input.name)}`];
        }
        case 'churn':
          return ['reply'];
        case 'types':
          return typesExpected(input.field % 6, input.value);
        case 'replay':
        case 'token':
          return ['n/a'];
      }
    },

    async stillServes() {
      const raw = await connection();
      const answered = await ask(raw, { kind: Kind.Rpc, method: 'plain', data: null });
      if (answered !== 'reply') throw new Error(`backend rpc answered ${answered}`);
      raw.close();
      open = undefined;
    },
  };
}

/** docs/api.md §1.8, per field: the documented type is accepted, any other is a malformed answer. */
function typesExpected(field: number, value: unknown): readonly string[] {
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  switch (field) {
    case 0: // userId: a non-empty string, an integer, null or absent
      return [(typeof value === 'string' && value !== '') || value === null || Number.isSafeInteger(value) ? 'welcome' : 'close 4005'];
    case 1: // claims: an object
      return [isObject ? 'welcome' : 'close 4005'];
    case 2: // rpc error: an object naming a code; anything else is malformed
      return ['error 100', 'error 111', ...(isObject ? ['error 101', 'error 102', 'error 103', 'error 104', 'error 105', 'error 106', 'error 107', 'error 108', 'error 109', 'error 110', 'error 112', 'error 113', 'error 114', 'error 115', 'error 116', 'error 120', 'error 121'] : [])];
    case 3: // allow: true or false
      return [value === true ? 'reply' : value === false ? 'error 104' : 'error 100'];
    case 4: // the rpc answer itself: an object with result or error
      return ['reply', 'error 100', 'error 111', 'error 104', 'error 108'];
    default: // reject: a non-empty string
      return [typeof value === 'string' && value !== '' ? 'close 4504' : 'close 4005'];
  }
}
