/**
 * The JSON mode's conventions for values msgpack can carry and JSON cannot: byte arrays as base64
 * strings, BigInt as a number. Pure.
 */
import { nodeBuffer } from './bytes.js';

/** JSON text of any value in the JSON mode's conventions (byte arrays as base64 strings). */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value, jsonReplacer);
}

/**
 * JSON has no binary type: byte arrays (msgpack bin) are written as base64 strings in JSON mode.
 */
export function jsonReplacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  // Check the holder's original value: Buffer.toJSON has already run by the time `value` arrives.
  const original = this[key];
  if (original instanceof Uint8Array) return bytesToBase64(original);
  if (typeof value === 'bigint') return Number(value);
  return value;
}

function bytesToBase64(bytes: Uint8Array): string {
  // Node: one native call over a view of the same memory. The loop below builds a string per byte
  // (64 of them for a 64-byte payload, on every publication to JSON subscribers).
  if (nodeBuffer) return nodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]!);
  return btoa(binary);
}
