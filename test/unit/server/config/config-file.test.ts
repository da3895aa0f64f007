import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { OptionsError } from '../../../../src/protocol/errors.js';
import { findConfigFile, loadConfigFile } from '../../../../src/server/config/config-file.js';
import { resolveOptions } from '../../../../src/server/config/resolve.js';

const dir = mkdtempSync(join(tmpdir(), 'switchboard-config-'));
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const refused = (key: string, message?: RegExp) => (err: unknown) => err instanceof OptionsError && err.key === key && (message === undefined || message.test(err.message));

test('any serialisable option, namespaces included, loads and resolves', () => {
  const path = write('ok.json', JSON.stringify({ port: 0, maxConnectionsPerIp: 5, namespaces: { 'chat:': { publish: 'authenticated' }, 'prices:': { latest: true } }, trustedProxies: ['10.0.0.0/8'] }));
  const options = resolveOptions(loadConfigFile(path), {});
  assert.equal(options.maxConnectionsPerIp, 5);
  assert.deepEqual(options.trustedProxies, ['10.0.0.0/8']);
  assert.equal(options.namespaces['chat:']?.publish, 'authenticated');
  assert.equal(options.namespaceTable.match('prices:btc').latest, true);
});

test('unknown keys, code-only keys, bad JSON and non-objects are refused naming the key', () => {
  assert.throws(() => loadConfigFile(write('typo.json', '{"maxConnectionPerIp": 5}')), refused('maxConnectionPerIp', /not an option/));
  assert.throws(() => loadConfigFile(write('logger.json', '{"logger": {}}')), refused('logger', /only be set in code/));
  assert.throws(() => loadConfigFile(write('bad.json', '{"port": ')), refused('config', /not valid JSON/));
  assert.throws(() => loadConfigFile(write('array.json', '[]')), refused('config', /JSON object/));
  assert.throws(() => loadConfigFile(join(dir, 'missing.json')), refused('config', /cannot read/));
  // Values are checked by resolveOptions, which names the nested key.
  assert.throws(() => resolveOptions(loadConfigFile(write('ns.json', '{"namespaces": {"x:": {"subscribe": "everyone"}}}')), {}), refused('namespaces["x:"].subscribe'));
  assert.throws(() => resolveOptions(loadConfigFile(write('latest.json', '{"namespaces": {"x:": {"latest": true, "history": false}}}')), {}), refused('namespaces["x:"].latest', /needs history/));
  assert.throws(() => resolveOptions(loadConfigFile(write('neg.json', '{"messagesPerSecond": -1}')), {}), refused('messagesPerSecond'));
});

test('a relative jwtPublicKey path is relative to the config file', () => {
  const path = write('key.json', '{"jwtPublicKey": "keys/public.pem"}');
  assert.equal(loadConfigFile(path).jwtPublicKey, join(dir, 'keys/public.pem'));
  assert.throws(() => resolveOptions(loadConfigFile(path), {}), refused('jwtPublicKey', /readable PEM file/));
});

test('the default file is used only when it exists', () => {
  assert.equal(findConfigFile(undefined, dir), undefined);
  write('switchboard.config.json', '{}');
  assert.equal(findConfigFile(undefined, dir), join(dir, 'switchboard.config.json'));
  assert.equal(findConfigFile('other.json', dir), 'other.json');
});
