/**
 * The `backend` option: defaults, environment, merging, and OptionsError naming the bad key, also
 * for the combinations that cannot work (connectUrl with an authenticate hook, a `'backend'`
 * namespace rule without its URL).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OptionsError } from '../../../../src/protocol/errors.js';
import { resolveOptions } from '../../../../src/server/config/resolve.js';
import { DEFAULT_FORWARD_HEADERS } from '../../../../src/server/connection/backend-hooks/options.js';

const bad = (input: Record<string, unknown>, key: string, env: NodeJS.ProcessEnv = {}) =>
  assert.throws(() => resolveOptions(input as never, env), (err: unknown) => err instanceof OptionsError && err.key === key, `${key}: ${JSON.stringify(input)}`);

test('defaults fill a backend with one URL; no backend by default', () => {
  assert.equal(resolveOptions({}, {}).backend, undefined);
  const backend = resolveOptions({ backend: { connectUrl: 'http://127.0.0.1:8080/connect' } }, {}).backend!;
  assert.equal(backend.connectUrl, 'http://127.0.0.1:8080/connect');
  assert.equal(backend.timeoutMs, 2000);
  assert.equal(backend.maxResponseBytes, 1024 * 1024);
  assert.deepEqual(backend.forwardHeaders, DEFAULT_FORWARD_HEADERS);
  assert.deepEqual(backend.headers, {});
});

test('SWITCHBOARD_BACKEND_URL sets the four URLs, SWITCHBOARD_BACKEND_SECRET a header; explicit keys win key by key', () => {
  const env = { SWITCHBOARD_BACKEND_URL: 'https://app.example/switchboard/', SWITCHBOARD_BACKEND_SECRET: 's3cret' };
  const fromEnv = resolveOptions({}, env).backend!;
  assert.deepEqual([fromEnv.connectUrl, fromEnv.subscribeUrl, fromEnv.publishUrl, fromEnv.rpcUrl], ['connect', 'subscribe', 'publish', 'rpc'].map((hook) => `https://app.example/switchboard/${hook}`));
  assert.deepEqual(fromEnv.headers, { 'x-switchboard-secret': 's3cret' });
  const merged = resolveOptions({ backend: { rpcUrl: 'http://other/rpc', headers: { 'x-app': '1' } } }, env).backend!;
  assert.equal(merged.rpcUrl, 'http://other/rpc');
  assert.equal(merged.connectUrl, 'https://app.example/switchboard/connect');
  assert.deepEqual(merged.headers, { 'x-switchboard-secret': 's3cret', 'x-app': '1' });
});

test('bad values are refused naming the key', () => {
  bad({ backend: 'http://x' }, 'backend');
  bad({ backend: {} }, 'backend');
  bad({ backend: { connectUrl: 'ftp://x/connect' } }, 'backend.connectUrl');
  bad({ backend: { subscribeUrl: 'not a url' } }, 'backend.subscribeUrl');
  bad({ backend: { connectUrl: 'http://x', connectURL: 'http://x' } }, 'backend.connectURL');
  bad({ backend: { connectUrl: 'http://x', timeoutMs: 0 } }, 'backend.timeoutMs');
  bad({ backend: { connectUrl: 'http://x', maxResponseBytes: 1.5 } }, 'backend.maxResponseBytes');
  bad({ backend: { connectUrl: 'http://x', forwardHeaders: 'cookie' } }, 'backend.forwardHeaders');
  bad({ backend: { connectUrl: 'http://x', forwardHeaders: ['host'] } }, 'backend.forwardHeaders');
  bad({ backend: { connectUrl: 'http://x', forwardHeaders: ['sec-websocket-key'] } }, 'backend.forwardHeaders');
  bad({ backend: { connectUrl: 'http://x', headers: { 'x-secret': 'a\r\nb' } } }, 'backend.headers["x-secret"]');
  bad({ backend: { connectUrl: 'http://x', headers: { 'bad name': 'v' } } }, 'backend.headers["bad name"]');
  // A forwarded header could let a client choose the value of the shared secret.
  bad({ backend: { connectUrl: 'http://x', headers: { 'X-Secret': 'v' }, forwardHeaders: ['x-secret'] } }, 'backend.forwardHeaders');
});

test('combinations that cannot work are refused', () => {
  bad({ backend: { connectUrl: 'http://x' }, authenticate: () => ({}) }, 'backend.connectUrl');
  bad({ namespaces: { 'room:': { subscribe: 'backend' } } }, 'namespaces["room:"].subscribe');
  bad({ namespaces: { 'room:': { publish: 'backend' } }, backend: { subscribeUrl: 'http://x/s' } }, 'namespaces["room:"].publish');
  bad({ namespaces: { '': { subscribe: 'backend' } }, backend: { publishUrl: 'http://x/p' } }, 'namespaces[""].subscribe');
  const ok = resolveOptions({ namespaces: { 'room:': { subscribe: 'backend', publish: 'backend' } }, backend: { subscribeUrl: 'http://x/s', publishUrl: 'http://x/p' } }, {});
  assert.equal(ok.backend?.subscribeUrl, 'http://x/s');
});
