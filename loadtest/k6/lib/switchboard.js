/**
 * Switchboard protocol v1 in JSON mode, for k6 scripts: the subprotocol name, frame builders, a
 * frame splitter and a per-topic sequence tracker. Plain ES module with no k6 imports, so the
 * scripts share it and the unit tests can load it in Node unchanged. Written for k6's JavaScript
 * runtime: no URL class, no `??` or `?.`, no numeric separators.
 *
 * JSON mode (docs/protocol.md §2): text WebSocket messages, one JSON array per line, several
 * frames per message allowed, blank lines ignored. Frames used here:
 *   C→S  [1, id, topics]           Subscribe
 *   S→C  [16, connectionId, ...]   Welcome (first frame of every connection)
 *   S→C  [20, topic, seq, data]    Message
 *   S→C  [21, id, data]            Reply
 *   S→C  [22, id, code, message]   Error
 */

/** The JSON-mode subprotocol; the server echoes it back. */
export const JSON_SUBPROTOCOL = 'switchboard.v1.json';

/** Frame kinds this library reads or writes (numbers are fixed by protocol v1). */
export const Kind = { Subscribe: 1, Welcome: 16, Message: 20, Reply: 21, Error: 22 };

/** `[1, id, topics]` as one JSON-mode WebSocket message. */
export function subscribeFrame(id, topics) {
  return JSON.stringify([Kind.Subscribe, id, topics]);
}

/**
 * The frames of one JSON-mode WebSocket message. Throws on a line that is not JSON or not an array
 * starting with a number, so a script counts it as a protocol failure instead of guessing.
 */
export function parseFrames(text) {
  const frames = [];
  for (const line of String(text).split('\n')) {
    if (line.trim() === '') continue;
    const frame = JSON.parse(line);
    if (!Array.isArray(frame) || typeof frame[0] !== 'number') throw new Error(`not a Switchboard frame: ${line.slice(0, 80)}`);
    frames.push(frame);
  }
  return frames;
}

/**
 * Per-topic sequence accounting for one connection. Seq numbers rise by one per publication on a
 * topic (docs/protocol.md §5); a subscriber starts at whatever seq is current, so the first message
 * of each topic is the baseline. After that a jump of n > 1 counts n - 1 lost, and a seq at or below
 * the last one counts as a duplicate (same seq) or out of order (lower seq).
 */
export class SeqTracker {
  constructor() {
    this.last = new Map();
    this.received = 0;
    this.lost = 0;
    this.duplicated = 0;
    this.outOfOrder = 0;
  }

  /** Accounts one Message frame; returns what it was: 'first' | 'next' | 'gap' | 'duplicate' | 'out-of-order'. */
  see(topic, seq) {
    this.received++;
    const last = this.last.get(topic);
    if (last === undefined) {
      this.last.set(topic, seq);
      return 'first';
    }
    if (seq === last + 1) {
      this.last.set(topic, seq);
      return 'next';
    }
    if (seq > last + 1) {
      this.lost += seq - last - 1;
      this.last.set(topic, seq);
      return 'gap';
    }
    if (seq === last) {
      this.duplicated++;
      return 'duplicate';
    }
    this.outOfOrder++;
    return 'out-of-order';
  }
}

/** Reads a duration like `30s`, `2m`, `500ms` or a bare number of seconds; returns milliseconds. */
export function durationMs(value, fallback) {
  if (value === undefined || value === '') return durationMs(fallback);
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(String(value).trim());
  if (!match) throw new Error(`bad duration ${JSON.stringify(value)} (use e.g. 500ms, 30s, 2m)`);
  const unit = { ms: 1, s: 1000, m: 60000, h: 3600000 }[match[2] || 's'];
  return Math.round(Number(match[1]) * unit);
}

/** An integer environment parameter with a default; throws naming the variable when it is not one. */
export function intParam(env, name, fallback) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  return n;
}

/** `ws://host:port/path` → `http://host:port` (the HTTP API shares the WebSocket port). */
export function httpBaseFor(wsUrl) {
  // k6 has no global URL class; a regex keeps this dependency-free.
  const match = /^(wss?):\/\/([^/?#]+)/.exec(wsUrl);
  if (!match) throw new Error(`not a ws:// or wss:// URL: ${wsUrl}`);
  return `${match[1] === 'wss' ? 'https' : 'http'}://${match[2]}`;
}
