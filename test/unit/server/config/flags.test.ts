/** The command's flags, parsed by the settings table's rules (src/server/config/flags.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OptionsError } from '../../../../src/protocol/errors.js';
import { parseFlags } from '../../../../src/server/config/flags.js';

test('every kind of flag becomes its option; --config and --workers come back beside them', () => {
  const args = parseFlags(['-p', '9002', '--presence', '--redis', 'redis://cache:6379', '--max-payload', '4096', '--allowed-origins', 'https://a.example, ,https://b.example', '--log-level', 'info', '--drain-ms', '0', '--config', 'x.json', '--workers', 'auto']);
  assert.notEqual(args, 'help');
  if (args === 'help') return;
  assert.deepEqual(args.options, {
    port: 9002,
    presence: true,
    redis: { url: 'redis://cache:6379' },
    maxPayloadBytes: 4096,
    allowedOrigins: ['https://a.example', 'https://b.example'],
    logLevel: 'info',
    drainMs: 0,
  });
  assert.equal(args.config, 'x.json');
  assert.equal(args.workers, 'auto');
});

test('-h is help; a bad number names its flag; an unknown flag is refused', () => {
  assert.equal(parseFlags(['-h']), 'help');
  assert.throws(() => parseFlags(['--port', 'eighty']), (err: unknown) => err instanceof OptionsError && err.key === '--port');
  assert.throws(() => parseFlags(['--nope']), /Unknown option '--nope'/);
  assert.deepEqual(parseFlags([]), { options: {}, config: undefined, workers: undefined });
});
