import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { assertNative, describeUws, loadFirst, loadUws, type UwsModule } from '../../../../src/server/uws/binding.js';

const require = createRequire(import.meta.url);

test('loads a native build on this machine and says which one', () => {
  const binding = loadUws();
  assert.ok(['uWebSockets.js', '@btc-vision/uwebsockets.js', '@trufflesuite/uws-js-unofficial'].includes(binding.name) || process.env.SWITCHBOARD_UWS_MODULE);
  assert.match(binding.version, /^\d+\.\d+\.\d+$/);
  assert.equal(typeof binding.uws.App, 'function');
  assert.match(describeUws(binding), /^\S+ \d+\.\d+\.\d+ \(tls: (yes|no), compression: (yes|no)\)$/);
  // Each build's capabilities are known: the v20.30 republish has neither TLS nor compression.
  if (binding.name === '@trufflesuite/uws-js-unofficial') assert.deepEqual([binding.tls, binding.compression], [false, false]);
  if (binding.name === '@btc-vision/uwebsockets.js') assert.deepEqual([binding.tls, binding.compression], [true, true]);
});

test('refuses the trufflesuite ws-based shim and falls through to the next build', () => {
  const shim = require('@trufflesuite/uws-js-unofficial/dist/index.js') as UwsModule;
  assert.throws(() => assertNative(shim, 'shim'), /not a native uWS build/);
  const real = loadUws();
  const binding = loadFirst([
    { name: 'shim', load: () => ({ uws: assertNative(shim, 'shim'), version: '0.0.0' }), tls: false, compression: false },
    { name: 'real', load: () => ({ uws: real.uws, version: real.version }), tls: false, compression: false },
  ]);
  assert.equal(binding.name, 'real');
  assert.equal(binding.skipped.length, 1);
  assert.match(binding.skipped[0]!, /^shim: .*not a native/);
});

test('when nothing loads, one error lists every attempt and what to install', () => {
  assert.throws(
    () =>
      loadFirst([
        { name: 'a', load: () => { throw new Error('first line\n\nError: GLIBC_2.38 not found'); }, tls: true, compression: true },
        { name: 'b', load: () => { throw new Error('missing'); }, tls: false, compression: false },
      ]),
    (err: Error) =>
      /could not load a native uWebSockets\.js build/.test(err.message) &&
      /- a: first line \| Error: GLIBC_2\.38 not found/.test(err.message) &&
      /- b: missing/.test(err.message) &&
      /npm install @btc-vision\/uwebsockets\.js@20\.57\.0/.test(err.message) &&
      /npm install @trufflesuite\/uws-js-unofficial@20\.30\.0-unofficial\.0/.test(err.message),
  );
});
