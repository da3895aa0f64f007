/**
 * Standard msgpack values: the one configured msgpackr encoder and decoder, and the publication
 * payload (packValue/unpackValue) that history stores and every Message frame carries. Pure.
 */
import { Packr, Unpackr } from 'msgpackr';
import { ErrorCode } from './codes.js';
import { ProtocolError } from './errors.js';
import { assertStandardMsgpack } from './standard-msgpack.js';

// Standard msgpack only, so any msgpack library (PHP, Python, Go) reads what we write: no msgpackr
// records/structures, no undefined extension, no msgpackr extensions (moreTypes off: typed arrays,
// ArrayBuffer and DataView become bin, Set an array), BigInt beyond 64 bits as float 64 (as the
// JSON mode writes it), and an invalid Date as nil (JSON.stringify writes null) instead of
// msgpackr's 1-byte timestamp, which is not a valid timestamp. docs/protocol.md §2.2 lists them.
/** The standard-msgpack encoder every frame and payload goes through. */
export const packr = new Packr({
  useRecords: false,
  moreTypes: false,
  encodeUndefinedAsNil: true,
  variableMapSize: true,
  largeBigIntToFloat: true,
  onInvalidDate: () => null,
});
/** The decoder of frames and payloads. */
// copyBuffers: decoded binary must not alias the input, because uWS reuses a message's memory
// as soon as the message callback returns.
export const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number', copyBuffers: true });

/** A BAD_FRAME error for bytes that cannot be decoded or values that cannot be encoded. */
export function badFrame(message: string, cause: unknown): ProtocolError {
  return new ProtocolError(ErrorCode.BadFrame, message, { cause });
}

/**
 * Encodes publication data as standard msgpack: the payload stored in history and fanned out to
 * every subscriber. Throws ProtocolError(BAD_FRAME) for a value that has no standard encoding (a
 * symbol) or when the bytes would not be standard: the check costs one scan of the payload per
 * publication and guards against a msgpackr extension registered process-wide (`addExtension`).
 */
export function packValue(value: unknown): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = packr.pack(value);
  } catch (err) {
    throw badFrame(`cannot encode as msgpack: ${(err as Error).message}`, err);
  }
  assertStandardMsgpack(bytes);
  return bytes;
}

/**
 * Decodes one standard msgpack value (an HTTP msgpack body, a stored payload); throws
 * ProtocolError(BAD_FRAME) unless `bytes` are exactly one complete standard value.
 */
export function unpackValue(bytes: Uint8Array): unknown {
  assertStandardMsgpack(bytes);
  return unpackTrusted(bytes);
}

/** Decodes bytes already known to be one standard value (a payload packValue produced). */
export function unpackTrusted(bytes: Uint8Array): unknown {
  try {
    return unpackr.unpack(bytes);
  } catch (err) {
    throw badFrame(`undecodable msgpack: ${(err as Error).message}`, err);
  }
}
