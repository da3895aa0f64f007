/** Payloads and frames shared by the bench suites, sized by their msgpack encoding. */
import { packValue } from '../src/protocol/index.js';

/** The payload sizes every size-dependent case runs at, in msgpack bytes. */
export const SIZES = [16, 256, 4096] as const;

/** Payload sizes of the standard-msgpack check cases, in msgpack bytes. */
export const VALIDATE_SIZES = [100, 1024, 16384] as const;

/** The topic used throughout (14 bytes, a realistic `namespace:name`). */
export const TOPIC = 'prices:btc-usd';

const TICK = { px: 101.25, qty: 3, side: 'buy', ts: 1_700_000_000_000 };

/**
 * A payload whose msgpack encoding is exactly `bytes` long: a price tick plus a padding string when
 * there is room for one, else a one-key map `{p: '…'}`.
 */
export function payload(bytes: number): unknown {
  const make = packValue(TICK).length + 6 <= bytes ? (n: number) => ({ ...TICK, pad: 'x'.repeat(n) }) : (n: number) => ({ p: 'x'.repeat(n) });
  for (let n = 0; n <= bytes; n++) {
    const value = make(n);
    if (packValue(value).length === bytes) return value;
  }
  throw new Error(`no payload packs to exactly ${bytes} bytes`);
}
