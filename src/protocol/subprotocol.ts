/**
 * `Sec-WebSocket-Protocol` negotiation: which wire format a client asked for, which entry the
 * server must echo back, and the connection token a browser may pass in the list.
 */
import { Subprotocol, TOKEN_SUBPROTOCOL_PREFIX, type Format } from './frames.js';

/** The outcome of reading a client's subprotocol list. */
export interface Negotiated {
  format: Format;
  /** Entry to echo in the response header; undefined when the client offered none of ours. */
  selected: string | undefined;
  /** Token carried as `switchboard.token.<token>`, if any. */
  token: string | undefined;
}

/**
 * Reads a comma-separated subprotocol header. The first of our format names in the client's order
 * wins; with none, the format is msgpack and nothing is echoed (a non-browser client).
 */
export function negotiateSubprotocol(header: string): Negotiated {
  let format: Format | undefined;
  let selected: string | undefined;
  let token: string | undefined;
  for (const raw of header.split(',')) {
    const entry = raw.trim();
    if (entry.startsWith(TOKEN_SUBPROTOCOL_PREFIX)) {
      token ??= entry.slice(TOKEN_SUBPROTOCOL_PREFIX.length) || undefined;
    } else if (format === undefined && entry === Subprotocol.msgpack) {
      format = 'msgpack';
      selected = entry;
    } else if (format === undefined && entry === Subprotocol.json) {
      format = 'json';
      selected = entry;
    }
  }
  return { format: format ?? 'msgpack', selected, token };
}

/** The subprotocol list a client sends for a format and optional token. */
export function subprotocolsFor(format: Format, token?: string): string[] {
  const list: string[] = [Subprotocol[format]];
  if (token !== undefined) list.push(TOKEN_SUBPROTOCOL_PREFIX + token);
  return list;
}
