/**
 * Measures, once per process, what this uWS build writes after our last header line in
 * `res.end(body, true)`: `Connection: close`, `Date` (fixed width), its `uWebSockets: 20` mark
 * unless built without it, then `Content-Length`. A refused upgrade's answer (refusal-answer.ts)
 * must swallow those bytes exactly, so they are read off a real answer of this very build instead
 * of being assumed: a throwaway uWS app on a loopback port answers one upgrade request the way a
 * refusal does. Anything unexpected gives undefined, and refusals take uWS's own (slower to close)
 * WebSocket path.
 */
import { connect } from 'node:net';
import type { UwsModule } from './binding.js';
import { usableLayout, type AnswerLayout } from './refusal-answer.js';

const PROBE_HEADER = 'X-Probe: 1\r\n';
const PROBE_BODY = 'probe';
const EXPECTED_END = `Content-Length: ${PROBE_BODY.length}\r\n\r\n${PROBE_BODY}`;
// Loopback answers in microseconds; this only bounds a broken probe.
const PROBE_TIMEOUT_MS = 3000;
const HEADER_LINES = /^(?:[A-Za-z][A-Za-z0-9-]*: [\x20-\x7e]*\r\n)*$/;

/** Reads the added header lines off one probe answer; undefined if the probe fails or looks unlike the assumed shape. */
export async function measureAnswerLayout(uws: UwsModule): Promise<AnswerLayout | undefined> {
  const app = uws.App();
  app.ws('/*', {
    upgrade(res) {
      res.writeStatus('101 Switching Protocols').writeHeader('X-Probe', '1').end(PROBE_BODY, true);
    },
  });
  const listenSocket = await new Promise<unknown>((resolve) => app.listen('127.0.0.1', 0, resolve));
  if (listenSocket === false) return undefined;
  try {
    const port = uws.us_socket_local_port(listenSocket as never);
    return layoutOf(await answerTo(port));
  } catch {
    return undefined;
  } finally {
    uws.us_listen_socket_close(listenSocket as never);
    (app as { close?: () => void }).close?.();
  }
}

/** The layout in a raw probe answer, or undefined when it is not the expected shape or too long for a refusal's Pong. */
export function layoutOf(answer: string): AnswerLayout | undefined {
  const start = answer.indexOf(PROBE_HEADER);
  if (!answer.startsWith('HTTP/1.1 101 ') || start < 0 || !answer.endsWith(EXPECTED_END)) return undefined;
  const added = answer.slice(start + PROBE_HEADER.length, answer.length - EXPECTED_END.length);
  if (!HEADER_LINES.test(added) || /^content-length:/im.test(added)) return undefined;
  const layout = { addedHeaderBytes: Buffer.byteLength(added, 'latin1') };
  return usableLayout(layout) ? layout : undefined;
}

/** Sends a WebSocket upgrade request as a browser does and reads the whole answer until the server closes. */
function answerTo(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let received = '';
    const timer = setTimeout(() => socket.destroy(new Error('probe timed out')), PROBE_TIMEOUT_MS);
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
    socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
  });
}
