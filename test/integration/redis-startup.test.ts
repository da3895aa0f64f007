/**
 * Starting against a Redis that is not there: the process must say which Redis and why, and exit
 * non-zero within seconds (a supervisor such as systemd then restarts it), never sit there
 * without listening. The documented choice is in docs/operations.md ("Redis at startup").
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startCli } from '../helpers/cli-process.js';
import { freePort } from '../helpers/server.js';
import { redisMissing } from '../helpers/redis.js';

const EXIT_DEADLINE_MS = 15_000;

async function exitWithin<T>(exited: Promise<T>, ms: number): Promise<T | 'still running'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still running'>((resolve) => (timer = setTimeout(() => resolve('still running'), ms)));
  try {
    return await Promise.race([exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

test('Redis unreachable at startup', { skip: redisMissing }, async (t) => {
  await t.test('one process: exits 1 naming the URL (without its password) and the cause', async () => {
    const closed = await freePort();
    const cli = startCli(['--port', String(await freePort()), '--redis', `redis://:hunter2@127.0.0.1:${closed}`]);
    const code = await exitWithin(cli.exited, EXIT_DEADLINE_MS);
    assert.equal(code, 1, `stderr: ${cli.stderr()}`);
    assert.match(cli.stderr(), new RegExp(`cannot reach Redis at redis://127\\.0\\.0\\.1:${closed}`));
    assert.match(cli.stderr(), /ECONNREFUSED/);
    assert.doesNotMatch(cli.stderr(), /hunter2/);
    assert.equal(cli.lines.filter((line) => /listening/i.test(line)).length, 0, 'never announced listening');
  });

  await t.test('--workers 2: the supervisor exits 1 too, instead of restarting workers forever', async () => {
    const closed = await freePort();
    const cli = startCli(['--port', String(await freePort()), '--workers', '2', '--redis', `redis://127.0.0.1:${closed}`]);
    const code = await exitWithin(cli.exited, EXIT_DEADLINE_MS);
    assert.equal(code, 1, `stderr: ${cli.stderr()}\nstdout: ${cli.lines.join('\n')}`);
    assert.match(cli.stderr() + cli.lines.join('\n'), new RegExp(`cannot reach Redis at redis://127\\.0\\.0\\.1:${closed}`));
  });
});
