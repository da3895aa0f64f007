/**
 * The probe as text, for runs with Pusher-protocol subscribers. A Pusher event carries no sequence
 * number and its data is a string, so the stamped msgpack bin of other runs cannot reach them. In
 * those runs every publication is instead the Pusher event `{ event: 'lt', data: '<seq>:<sentUs>:aaa…' }`:
 * the shape a Pusher HTTP API trigger publishes (docs/pusher.md "One core"), so Pusher sockets get
 * a plain `{"event":"lt","channel":"lt.0","data":"…"}` and native subscribers the same publication
 * as a msgpack map. The publisher numbers the publications itself, per topic. Which runs do this:
 * publication-shape.ts (coordinator side; this file is bundled into the generator workers).
 */

/** What a run publishes: the stamped msgpack bin, or the Pusher event carrying the probe text. */
export type PublicationShape = 'bin' | 'event';

/** Event name of every load-test publication in an `event` run. */
export const PROBE_EVENT = 'lt';

/** Longest number the readers accept: 15 decimal digits always fit a float64 exactly. */
const MAX_DIGITS = 15;
const COLON = 0x3a;
const PAD = 'a';

/** `<seq>:<sentUs>:` padded with `a` to `bytes` characters (longer when the numbers need it). */
export function probeText(seq: number, sentUs: number, bytes: number): string {
  const head = `${seq}:${Math.round(sentUs)}:`;
  return head.length >= bytes ? head : head + PAD.repeat(bytes - head.length);
}

/** The publication data of an `event` run. */
export function probeEvent(seq: number, sentUs: number, bytes: number): { event: string; data: string } {
  return { event: PROBE_EVENT, data: probeText(seq, sentUs, bytes) };
}

/** Fields of the last probe text read. Reused: read them right after a successful read. */
export const probe = { seq: 0, sentUs: 0 };

/**
 * Reads `<seq>:<sentUs>:` at buf[at, end) in place. On success fills `probe` and returns the offset
 * after the second colon; -1 when the bytes there are not a probe.
 */
export function readProbeText(buf: Buffer, at: number, end: number): number {
  at = readDigits(buf, at, end);
  if (at < 0) return -1;
  const seq = digitsValue;
  at = readDigits(buf, at, end);
  if (at < 0) return -1;
  probe.seq = seq;
  probe.sentUs = digitsValue;
  return at;
}

/** The probe at the start of a string, parsed the slow way (the reference the readers are tested against). */
export function parseProbeText(text: string): { seq: number; sentUs: number } | undefined {
  const match = /^(\d{1,15}):(\d{1,15}):/.exec(text);
  return match ? { seq: Number(match[1]), sentUs: Number(match[2]) } : undefined;
}

// Second result of readDigits, kept in a module variable so the reader returns a plain number.
let digitsValue = 0;

/** Reads 1–15 decimal digits and the colon after them; returns the offset after the colon or -1. */
function readDigits(buf: Buffer, at: number, end: number): number {
  let value = 0;
  const first = at;
  for (; at < end; at++) {
    const byte = buf[at]!;
    if (byte === COLON) break;
    const digit = byte - 0x30;
    if (digit < 0 || digit > 9 || at - first >= MAX_DIGITS) return -1;
    value = value * 10 + digit;
  }
  if (at === first || at >= end) return -1;
  digitsValue = value;
  return at + 1;
}
