/**
 * A server that refuses the generator must be named, with the setting that refused it: unit cases
 * for each status the server answers, and a real Switchboard with `maxConnectionsPerIp: 2` loaded
 * through the CLI with --target (the README's own example against `npm start` failed this way).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { diagnoseRefusals, LOADTEST_CONFIG } from '../../loadtest/targets/refusals.js';
import { LIMITS_OFF } from '../../loadtest/targets/servers/limits-off.js';
import { loadConfigFile } from '../../src/server/index.js';
import { startServer } from '../helpers/server.js';

const run = promisify(execFile);

describe('diagnoseRefusals', () => {
  it('names the limit behind each status and code', () => {
    const cases: Array<[string, RegExp]> = [
      ['1006 upgrade refused: HTTP/1.1 429 Too Many Requests (LIMIT_EXCEEDED: too many connections from this address)', /maxConnectionsPerIp/],
      ['1006 upgrade refused: HTTP/1.1 503 Service Unavailable (OVERLOADED: too many connection attempts, retry later)', /connectsPerSecond/],
      ['1006 upgrade refused: HTTP/1.1 503 Service Unavailable (OVERLOADED: server is at its connection limit, retry later)', /maxConnections`/],
      ['1006 upgrade refused: HTTP/1.1 401 Unauthorized', /token/],
      ['publish refused: FORBIDDEN: publishing to this topic is not allowed', /clientPublish/],
      ['closed 4002 rate limited', /messagesPerSecond/],
    ];
    for (const [error, expected] of cases) {
      const lines = diagnoseRefusals([error]);
      assert.match(lines[0]!, expected, error);
      assert.match(lines.at(-1)!, /--config loadtest\/switchboard\.loadtest\.json/);
    }
    assert.deepEqual(diagnoseRefusals(['ECONNREFUSED']), []);
  });

  it('ships a config the server accepts, with the limits the harness lifts (LIMITS_OFF) lifted', () => {
    const options = loadConfigFile(LOADTEST_CONFIG);
    assert.equal(options.clientPublish, true);
    // The harness's own servers spread LIMITS_OFF; a target started with this file must match it.
    for (const [key, value] of Object.entries(LIMITS_OFF)) assert.equal(options[key as keyof typeof LIMITS_OFF], value, key);
    assert.ok(readFileSync('loadtest/README.md', 'utf8').includes(`npm start -- --config ${LOADTEST_CONFIG}`));
  });
});

describe('--target against a server that caps connections per address', { timeout: 60_000 }, () => {
  it('stops with the limit that refused it and how to lift it', async () => {
    const { url } = await startServer({ maxConnectionsPerIp: 2, clientPublish: true, connectsPerSecond: 0, messagesPerSecond: 0, bytesPerSecond: 0 });
    const failed = await run(process.execPath, ['--import', 'tsx', 'loadtest/cli.ts', 'fanout', '--target', url, '--connections', '20', '--probes', '2', '--duration', '1', '--drain', '1'], { timeout: 45_000 }).then(
      () => assert.fail('the run should fail: 20 connections against a cap of 2'),
      (err: { code: number; stderr: string }) => err,
    );
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /429/);
    assert.match(failed.stderr, /maxConnectionsPerIp/);
    assert.match(failed.stderr, /npm start -- --config loadtest\/switchboard\.loadtest\.json/);
  });
});
