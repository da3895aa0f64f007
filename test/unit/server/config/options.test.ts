import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { OptionsError } from '../../../../src/protocol/errors.js';
import { DEFAULTS, type ServerOptions } from '../../../../src/server/config/options.js';
import { validateOptions } from '../../../../src/server/config/validate.js';
import { resolveOptions } from '../../../../src/server/config/resolve.js';

const bad = (input: Record<string, unknown>, key: string, env: NodeJS.ProcessEnv = {}) =>
  assert.throws(() => resolveOptions(input as never, env), (err: unknown) => err instanceof OptionsError && err.key === key, `${key}: ${JSON.stringify(input)}`);

test('defaults apply when nothing is given', () => {
  const options = resolveOptions({}, {});
  assert.equal(options.port, 9001);
  assert.equal(options.host, '0.0.0.0');
  assert.equal(options.apiKey, undefined);
  assert.equal(options.clientPublish, false);
  assert.equal(options.maxPayloadBytes, DEFAULTS.maxPayloadBytes);
});

test('environment fills options, explicit input wins over it', () => {
  const env = { PORT: '9100', HOST: '127.0.0.1', SWITCHBOARD_API_KEY: 'k', SWITCHBOARD_JWT_SECRET: 'a-secret-of-16-chars', SWITCHBOARD_ALLOWED_ORIGINS: 'https://a.example, https://b.example', LOG_LEVEL: 'info' };
  const fromEnv = resolveOptions({}, env);
  assert.equal(fromEnv.port, 9100);
  assert.equal(fromEnv.host, '127.0.0.1');
  assert.equal(fromEnv.apiKey, 'k');
  assert.equal(fromEnv.jwtSecret, 'a-secret-of-16-chars');
  assert.deepEqual(fromEnv.allowedOrigins, ['https://a.example', 'https://b.example']);
  assert.equal(fromEnv.logLevel, 'info');
  assert.equal(resolveOptions({ port: 0, apiKey: 'other' }, env).port, 0);
  assert.equal(resolveOptions({ port: 0, apiKey: 'other' }, env).apiKey, 'other');
  assert.equal(resolveOptions({ port: undefined }, env).port, 9100);
});

test('bad values are refused naming the key', () => {
  bad({ port: 70000 }, 'port');
  bad({ port: -1 }, 'port');
  bad({}, 'PORT', { PORT: 'eighty' });
  bad({ host: '' }, 'host');
  bad({ maxPayloadBytes: 0 }, 'maxPayloadBytes');
  bad({ maxSubscriptions: 1.5 }, 'maxSubscriptions');
  bad({ rpcTimeoutMs: '10' }, 'rpcTimeoutMs');
  bad({ idleTimeoutSeconds: 961 }, 'idleTimeoutSeconds');
  bad({ idempotencyWindowMs: 0 }, 'idempotencyWindowMs');
  bad({ maxIdempotencyKeys: -5 }, 'maxIdempotencyKeys');
  bad({ apiKey: '' }, 'apiKey');
  bad({ jwtSecret: 'short' }, 'jwtSecret');
  bad({ allowedOrigins: 'https://a.example' }, 'allowedOrigins');
  bad({ logLevel: 'loud' }, 'logLevel');
  bad({ presence: 'yes' }, 'presence');
  bad({ onOpen: 'not a function' }, 'onOpen');
  bad({ rpc: { add: 42 } }, 'rpc.add');
});

test('resolved options are frozen', () => {
  assert.ok(Object.isFrozen(resolveOptions({}, {})));
});

test('validation answers a new object: a key file is read into the resolved options, the input keeps its path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-options-'));
  try {
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const file = join(dir, 'key.pem');
    writeFileSync(file, pem);
    const input = { ...DEFAULTS, jwtPublicKey: file, presence: true } as ServerOptions;
    const resolved = validateOptions(input);
    assert.equal(resolved.jwtPublicKey, pem);
    assert.equal(input.jwtPublicKey, file);
    assert.notEqual(resolved, input);
    // The namespace table is built once, with the shorthands applied to the default namespace.
    assert.equal(resolved.namespaceTable.match('any-topic').presence, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
