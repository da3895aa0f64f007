/**
 * Ports handed to child processes (loadtest/targets/ports.ts) come from below the kernel's ephemeral
 * range (so no outgoing connection can take one before the child binds it), are free when handed
 * out, and are reserved for this process by a file every other test process (of this suite or one
 * beside it) checks before taking a port.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { reservePort } from '../../../loadtest/targets/ports.js';

const DIRECTORY = join(tmpdir(), 'switchboard-ports');
const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);

test('reserved ports are below the ephemeral range, distinct, bindable, and held by a file naming this process', async () => {
  const ports: number[] = [];
  for (let i = 0; i < 20; i++) ports.push(await reservePort());
  assert.equal(new Set(ports).size, ports.length, 'no port handed out twice');
  for (const port of ports) {
    assert.ok(port >= 20_000 && port < ephemeralLow, `${port} is below the ephemeral range (${ephemeralLow})`);
    assert.equal(readFileSync(join(DIRECTORY, String(port)), 'utf8'), String(process.pid));
  }
  const probe = createServer();
  await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(ports[0], '127.0.0.1', resolve));
  await new Promise((resolve) => probe.close(resolve));
});
