/**
 * The client's one transport seam: the standard WebSocket API, from the global (browsers, Node 22+)
 * or from the `ws` package (Node 20, which has no global WebSocket).
 */

/** The part of the standard WebSocket API the client uses (browsers and `ws` both provide it). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly protocol: string;
  send(data: string | ArrayBufferLike | Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** readyState value of an open socket. */
export const OPEN = 1;

/** The WebSocket constructor to use: the given one, the global one, or `ws`'s. */
export async function resolveWebSocket(custom?: WebSocketConstructor): Promise<WebSocketConstructor> {
  if (custom) return custom;
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (typeof global === 'function') return global;
  // A variable specifier keeps browser bundlers from trying to bundle the Node-only `ws` package.
  const specifier = 'ws';
  const mod = (await import(specifier)) as { WebSocket?: WebSocketConstructor; default?: WebSocketConstructor };
  const ctor = mod.WebSocket ?? mod.default;
  if (typeof ctor !== 'function') throw new Error('no WebSocket implementation: install the "ws" package or pass options.WebSocket');
  return ctor;
}
