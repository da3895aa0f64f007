/**
 * Reads a delivery out of a Pusher event frame, the text a Pusher subscriber receives:
 * `{"event":"lt","channel":"lt.<n>","data":"<seq>:<sentUs>:aaa…"}`. The server writes its events
 * with JSON.stringify in the order event, channel, data, so a frame laid out exactly like that is
 * read in place, without decoding it: 110–150 ns per 105 B frame against 600–630 ns for JSON.parse
 * and a regex (in-process, this project's shared 2-core box), which keeps the generator's cost per
 * Pusher delivery near its cost per native one. Any other frame is parsed, so the result does not
 * depend on which path read a valid JSON frame (test/loadtest/pusher-scan.test.ts holds the two to
 * each other).
 *
 * The fields go to message-scan.ts's `scanned`, like a native Message frame's.
 */
import { readTopicNumber, scanned, TOPIC_PREFIX } from './message-scan.js';
import { parseProbeText, PROBE_EVENT, probe, readProbeText } from './probe-text.js';

const HEAD = Buffer.from(`{"event":"${PROBE_EVENT}","channel":"${TOPIC_PREFIX}`);
const DATA = Buffer.from('","data":"');
const QUOTE = 0x22;

/**
 * Scans one text frame. True for an application event (anything but `pusher:` and
 * `pusher_internal:` events): then `scanned.topic`, `.seq` and `.sentUs` hold its load-test channel
 * number and probe, or topic -1 and sentUs NaN when the channel is not `lt.<n>` or the data carries
 * no probe (the event is counted but has no sequence to check). False for protocol events and for
 * anything that is not a JSON object with a string `event`.
 */
export function scanPusherEvent(buf: Buffer, start: number, end: number): boolean {
  return scanPusherEventInPlace(buf, start, end) || scanParsed(buf, start, end);
}

/** The fast path alone (exported for tests): only the server's own layout of a probe event; false sends the frame to the parser. */
export function scanPusherEventInPlace(buf: Buffer, start: number, end: number): boolean {
  if (end - start < HEAD.length + DATA.length + 1 || !startsWith(buf, start, HEAD)) return false;
  const channelStart = start + HEAD.length - TOPIC_PREFIX.length;
  const channelEnd = quoteAt(buf, start + HEAD.length, end);
  if (channelEnd < 0 || channelEnd + DATA.length > end) return false;
  const topic = readTopicNumber(buf, channelStart, channelEnd);
  if (topic < 0 || !startsWith(buf, channelEnd, DATA)) return false;
  const probeEnd = readProbeText(buf, channelEnd + DATA.length, end);
  // The data must be the last field: the first quote after the probe is the frame's last but one
  // byte. Otherwise (a `user_id`, an escaped quote inside the data) the parser decides. In valid
  // JSON that quote closes the data and the byte after it is the `}` (the server writes its frames
  // with JSON.stringify, so validity itself is not checked).
  if (probeEnd < 0 || quoteAt(buf, probeEnd, end) !== end - 2) return false;
  scanned.topic = topic;
  scanned.seq = probe.seq;
  scanned.sentUs = probe.sentUs;
  return true;
}

// Plain loops rather than Buffer#compare and #indexOf: over a few dozen bytes the calls into C++
// cost more than the loops (the scan took 290–380 ns with them, 110–150 ns without).

/** True when buf holds `bytes` at `at` (the caller checked the length). */
function startsWith(buf: Buffer, at: number, bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) if (buf[at + i] !== bytes[i]) return false;
  return true;
}

/** The offset of the first `"` in buf[at, end), or -1. */
function quoteAt(buf: Buffer, at: number, end: number): number {
  for (; at < end; at++) if (buf[at] === QUOTE) return at;
  return -1;
}

/** The slow path: any layout, whitespace and escaping, through JSON.parse. */
function scanParsed(buf: Buffer, start: number, end: number): boolean {
  let value: unknown;
  try {
    value = JSON.parse(buf.toString('utf8', start, end));
  } catch {
    return false;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { event, channel, data } = value as Record<string, unknown>;
  if (typeof event !== 'string' || event.startsWith('pusher:') || event.startsWith('pusher_internal:')) return false;
  const found = typeof data === 'string' ? parseProbeText(data) : undefined;
  const topic = typeof channel === 'string' ? topicNumberOf(channel) : -1;
  if (found === undefined || topic < 0) {
    scanned.topic = -1;
    scanned.sentUs = Number.NaN;
    return true;
  }
  scanned.topic = topic;
  scanned.seq = found.seq;
  scanned.sentUs = found.sentUs;
  return true;
}

/** readTopicNumber's rule for a decoded channel name. */
export function topicNumberOf(channel: string): number {
  const bytes = Buffer.from(channel, 'utf8');
  return readTopicNumber(bytes, 0, bytes.length);
}
