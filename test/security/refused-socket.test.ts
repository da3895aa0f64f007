/**
 * A refused upgrade (4504 bad token) whose peer never answers the close frame. uWS's ws.end()
 * sends the close frame and a FIN, then keeps the TCP connection until its end() timeout (12 to
 * 16 s with the default idleTimeout) with no JavaScript handle left to cut it sooner. The admission
 * slot was freed at end(), so a client that ignores close frames could hold a server file
 * descriptor per refusal for that long, past the connection caps. The server must be rid of such a
 * socket within about a second, whatever the peer does.
 *
 * The peers here are raw net.Sockets that do the upgrade by hand, never send a close frame or a
 * FIN, and keep writing Ping frames. Two oracles: a write fails once the server has really closed
 * the connection (the peer's kernel gets a reset), and the server process's own descriptors for
 * the port (this process hosts the server: /proc/self/fd against /proc/net/tcp) fall back.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { startBystander } from '../helpers/bystander.js';
import { startServer, waitFor } from '../helpers/server.js';

const PING = Buffer.from([0x89, 0x80, 1, 2, 3, 4]); // a masked, empty Ping frame
// "About a second" plus slack for a loaded 2-core box. uWS's own end() timeout with the default
// idleTimeout (120 s) is 12 to 16 s, so a server that waits for it fails by far.
const CLOSED_WITHIN_MS = 2500;
const MANY = 200;

/** A peer that upgrades with a forged token, then ignores the close frame and keeps pinging. */
interface StubbornPeer {
  /** What the server sent, as latin1 text. */
  received(): string;
  /** True once the connection is gone for the peer (reset, or closed). */
  gone(): boolean;
  stop(): void;
}

function stubbornPeer(port: number): StubbornPeer {
  const socket: Socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  let received = '';
  let gone = false;
  let pinging: ReturnType<typeof setInterval> | undefined;
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
    // Answer nothing, end nothing: just keep writing, as a peer that ignores close frames does.
    pinging ??= setInterval(() => {
      if (!socket.destroyed) socket.write(PING);
    }, 100);
  });
  socket.on('error', () => (gone = true));
  socket.on('close', () => (gone = true));
  socket.write(`GET /?token=forged HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  return {
    received: () => received,
    gone: () => gone,
    stop: () => {
      clearInterval(pinging);
      socket.destroy();
    },
  };
}

/** TCP sockets this process holds whose local port is `port`: the server's listening and accepted sockets. */
function serverDescriptors(port: number): number {
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let table: string;
    try {
      table = readFileSync(file, 'utf8');
    } catch {
      continue; // no IPv6 on this box
    }
    for (const line of table.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) continue;
      const localPort = Number.parseInt(fields[1]!.split(':')[1]!, 16);
      if (localPort === port) inodes.add(fields[9]!);
    }
  }
  let held = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // closed meanwhile
    }
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode !== undefined && inodes.has(inode)) held++;
  }
  return held;
}

describe('a refused socket whose peer ignores the close frame', async () => {
  const secret = 'refused-socket-secret-0123456789';
  const { server, url, port } = await startServer({ jwtSecret: secret });
  const token = () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('watcher').setExpirationTime('1h').sign(new TextEncoder().encode(secret));
  const bystander = await startBystander(server, url, 'bystander', { token });

  test('a forged token: the server closes the TCP connection soon after the 4504 close frame, though the peer never answers it', async () => {
    const peer = stubbornPeer(port);
    try {
      await waitFor(() => peer.received().includes('invalid token'), 5000, 'the 4504 close frame');
      const head = peer.received().slice(0, peer.received().indexOf('\r\n\r\n'));
      assert.match(head, /^HTTP\/1\.1 101 /);
      // A 101 has no body (RFC 9110 §8.6): strict parsers would read the frames as one.
      assert.doesNotMatch(head, /content-length/i);
      await waitFor(() => peer.gone(), CLOSED_WITHIN_MS, 'the server to close the TCP connection');
    } finally {
      peer.stop();
    }
    await bystander.check();
  });

  test(`${MANY} refused sockets whose peers ignore the close frame do not keep server descriptors`, async () => {
    // The listening socket and the bystander's connection.
    const before = serverDescriptors(port);
    assert.ok(before >= 2, `expected the listening socket and the bystander, found ${before} descriptors`);
    const peers = Array.from({ length: MANY }, () => stubbornPeer(port));
    try {
      await waitFor(() => peers.every((peer) => peer.received().includes('invalid token')), 20_000, `${MANY} close frames`);
      await waitFor(() => serverDescriptors(port) <= before, CLOSED_WITHIN_MS, `the server to drop its ${MANY} refused sockets`);
      await waitFor(() => peers.every((peer) => peer.gone()), CLOSED_WITHIN_MS, 'every peer to see its connection closed');
    } finally {
      for (const peer of peers) peer.stop();
    }
    await bystander.check();
  });
});
