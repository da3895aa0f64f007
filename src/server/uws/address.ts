/** Peer addresses as uWS reports them, turned into the text the seam's requests carry. */

/** uWS reports addresses as ArrayBuffers of text. */
export function addressText(buffer: ArrayBuffer): string {
  return Buffer.from(buffer).toString('latin1');
}
