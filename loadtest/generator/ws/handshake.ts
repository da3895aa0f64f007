/**
 * The HTTP/1.1 upgrade that opens a WebSocket (RFC 6455 §4): the request a client writes and the
 * check of the server's 101 answer.
 */
import { createHash, randomBytes } from 'node:crypto';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** What to put in the upgrade request. */
export interface UpgradeRequest {
  host: string;
  port: number;
  /** Path and query, e.g. `/` or `/socket.io/?EIO=4&transport=websocket`. */
  path: string;
  /** `Sec-WebSocket-Protocol` entries; none sends no header. */
  protocols: readonly string[];
}

/** The request bytes and the `Sec-WebSocket-Accept` value the server must answer with. */
export function buildUpgrade(request: UpgradeRequest): { bytes: Buffer; expectedAccept: string } {
  const key = randomBytes(16).toString('base64');
  const lines = [
    `GET ${request.path} HTTP/1.1`,
    `Host: ${request.host}:${request.port}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${key}`,
    'Sec-WebSocket-Version: 13',
  ];
  if (request.protocols.length > 0) lines.push(`Sec-WebSocket-Protocol: ${request.protocols.join(', ')}`);
  const expectedAccept = createHash('sha1').update(key + GUID).digest('base64');
  return { bytes: Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), expectedAccept };
}

/** Result of reading the server's answer: still waiting, refused, or open with leftover bytes. */
export type UpgradeOutcome =
  | { state: 'incomplete' }
  | { state: 'refused'; reason: string }
  | { state: 'open'; protocol: string | undefined; rest: Buffer };

// Upgrade responses are a few hundred bytes; anything past this without a blank line is not one.
const MAX_RESPONSE_HEAD_BYTES = 16 * 1024;

/** Reads the response head from the bytes received so far. */
export function readUpgradeResponse(received: Buffer, expectedAccept: string): UpgradeOutcome {
  const end = received.indexOf('\r\n\r\n');
  if (end < 0) {
    return received.length > MAX_RESPONSE_HEAD_BYTES ? { state: 'refused', reason: 'response head too long' } : { state: 'incomplete' };
  }
  const lines = received.toString('latin1', 0, end).split('\r\n');
  const status = lines[0] ?? '';
  if (!/^HTTP\/1\.1 101\b/.test(status)) return { state: 'refused', reason: refusalReason(status, received.subarray(end + 4)) };
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  if (headers.get('sec-websocket-accept') !== expectedAccept) return { state: 'refused', reason: 'wrong Sec-WebSocket-Accept' };
  return { state: 'open', protocol: headers.get('sec-websocket-protocol'), rest: received.subarray(end + 4) };
}

// Longest piece of a refusal body kept in the reason: enough for Switchboard's `{error, code}`.
const MAX_BODY_IN_REASON = 200;

/**
 * The status line plus what the body says, when it arrived with the head: Switchboard answers a
 * refused upgrade with `{error, code}`, and the code tells which limit refused it (two different
 * limits both answer 503).
 */
function refusalReason(status: string, body: Buffer): string {
  if (status === '') return 'empty response';
  const text = body.toString('utf8', 0, Math.min(body.length, MAX_BODY_IN_REASON)).trim();
  if (text === '') return status;
  try {
    const parsed = JSON.parse(text) as { code?: unknown; error?: unknown };
    if (typeof parsed.code === 'string' && typeof parsed.error === 'string') return `${status} (${parsed.code}: ${parsed.error})`;
  } catch {
    // Not JSON, or cut short: show it as it is.
  }
  return `${status} (${text.replace(/\s+/g, ' ')})`;
}
