import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect } from '../../../src/client/index.js';
import { CLIENT_DEFAULTS, resolveClientOptions, type ClientOptions } from '../../../src/client/options.js';
import { OptionsError } from '../../../src/protocol/errors.js';

test('no options: every default, with the documented values', () => {
  const resolved = resolveClientOptions('ws://host:9001/');
  assert.deepEqual(resolved, { url: 'ws://host:9001/', token: undefined, WebSocket: undefined, ...CLIENT_DEFAULTS });
  assert.deepEqual(
    { ...CLIENT_DEFAULTS },
    { refreshMarginMs: 30000, format: 'msgpack', reconnect: true, minReconnectDelayMs: 250, maxReconnectDelayMs: 10000, requestTimeoutMs: 10000, maxQueued: 1000 },
  );
});

test('given values win; undefined means the default', () => {
  const token = () => 't';
  const resolved = resolveClientOptions('wss://host/', { token, format: 'json', reconnect: false, requestTimeoutMs: 500, minReconnectDelayMs: undefined, maxQueued: 0 });
  assert.equal(resolved.token, token);
  assert.equal(resolved.format, 'json');
  assert.equal(resolved.reconnect, false);
  assert.equal(resolved.requestTimeoutMs, 500);
  assert.equal(resolved.minReconnectDelayMs, 250);
  assert.equal(resolved.maxQueued, 0);
});

const bad: Array<[string, ClientOptions | undefined, string]> = [
  ['requestTimeoutMs', { requestTimeoutMs: -1 }, 'negative timeout'],
  ['requestTimeoutMs', { requestTimeoutMs: 0 }, 'a timeout that can never be met'],
  ['requestTimeoutMs', { requestTimeoutMs: '10s' as unknown as number }, 'a string'],
  ['minReconnectDelayMs', { minReconnectDelayMs: -5 }, 'negative delay'],
  ['maxReconnectDelayMs', { maxReconnectDelayMs: Number.POSITIVE_INFINITY }, 'infinite delay'],
  ['minReconnectDelayMs', { minReconnectDelayMs: 5000, maxReconnectDelayMs: 1000 }, 'min above max'],
  ['refreshMarginMs', { refreshMarginMs: Number.NaN }, 'NaN'],
  ['maxQueued', { maxQueued: 1.5 }, 'a fraction'],
  ['format', { format: 'xml' as 'json' }, 'unknown format'],
  ['reconnect', { reconnect: 'yes' as unknown as boolean }, 'not a boolean'],
  ['token', { token: 42 as unknown as string }, 'a number'],
  ['WebSocket', { WebSocket: {} as never }, 'not a constructor'],
  ['options', null as unknown as ClientOptions, 'null'],
];
for (const [key, options, what] of bad) {
  test(`${key}: ${what} is refused with an OptionsError naming the key`, () => {
    assert.throws(
      () => resolveClientOptions('ws://host/', options),
      (err: unknown) => err instanceof OptionsError && err.key === key && err.message.startsWith(`${key}: `),
    );
  });
}

test('the URL must be a WebSocket (or http) URL', () => {
  for (const url of ['ws://h/', 'wss://h:443/x?y=1', 'http://h/', 'https://h/']) assert.equal(resolveClientOptions(url).url, url);
  for (const url of ['ftp://h/', 'not a url', 'file:///tmp/x']) {
    assert.throws(() => resolveClientOptions(url), (err: unknown) => err instanceof OptionsError && err.key === 'url', url);
  }
});

test('connect() checks options before opening anything', () => {
  let constructed = 0;
  const WebSocket = class {
    constructor() {
      constructed++;
    }
  } as never;
  assert.throws(() => connect('ws://h/', { WebSocket, requestTimeoutMs: -1 }), OptionsError);
  assert.equal(constructed, 0);
});
