/**
 * Ports for processes started on a port named before they bind it: the load harness's redis-server
 * and `--workers` supervisor, and the tests' own (redis-server, nginx, PHP, a Switchboard CLI that
 * must come back on the same port).
 *
 * Asking the kernel for a free port (listen on 0, close, hand the number over) has two races. The
 * number comes from the ephemeral range, so before the child binds it any outgoing connection on
 * the box (a load test's thousands of clients) may take it as its source port. And a second process
 * doing the same, of this test suite or another beside it, may be handed the same number. Either
 * way the child fails to bind, or worse, the caller talks to someone else's process. So ports come
 * from below the ephemeral range, which the kernel never hands out by itself, and each one is
 * reserved for the whole life of the process by a file created exclusively in a directory every
 * such process on the machine shares. Reservations are removed when the process exits; those of a killed process
 * are skipped, and removed once old enough that no test can still be using them.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DIRECTORY = join(tmpdir(), 'switchboard-ports');
// Longer than any test file or harness child may run, so a reservation this old belongs to a process that died.
const ABANDONED_MS = 60 * 60_000;
const LOWEST = 20_000;

const held: string[] = [];
let range: [number, number] | undefined;

/** A loopback TCP port reserved for this process until it exits, and free when reserved. */
export async function reservePort(): Promise<number> {
  const [low, high] = (range ??= portRange());
  mkdirSync(DIRECTORY, { recursive: true });
  for (let attempt = 0; attempt < 1000; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    const file = join(DIRECTORY, String(port));
    if (!claim(file)) continue;
    if (await bindable(port)) return port;
    // Taken by something that does not reserve (another program on the box): keep the claim so no
    // test process tries it again, it goes with ours at exit.
  }
  throw new Error(`no free port left between ${low} and ${high}`);
}

function claim(file: string): boolean {
  try {
    const fd = openSync(file, 'wx');
    writeSync(fd, String(process.pid));
    closeSync(fd);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    if (Date.now() - statOrNow(file) > ABANDONED_MS) rmSync(file, { force: true });
    return false;
  }
  if (held.length === 0) process.once('exit', release);
  held.push(file);
  return true;
}

function release(): void {
  for (const file of held) {
    try {
      if (readFileSync(file, 'utf8') === String(process.pid)) rmSync(file, { force: true });
    } catch {
      // already removed as abandoned
    }
  }
}

function statOrNow(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return Date.now();
  }
}

async function bindable(port: number): Promise<boolean> {
  const probe = createServer();
  return await new Promise<boolean>((resolve) => {
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** From LOWEST up to where the kernel's ephemeral range starts. */
function portRange(): [number, number] {
  let ephemeralLow = 32_768;
  try {
    ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    // not Linux: the IANA ephemeral range starts at 49152, Linux's default at 32768; keep the lower.
  }
  if (!(ephemeralLow - LOWEST >= 1000)) throw new Error(`the ephemeral port range starts at ${ephemeralLow}: test ports need 1000 ports above ${LOWEST} below it`);
  return [LOWEST, ephemeralLow];
}
