/**
 * The client's address behind trusted reverse proxies: `X-Forwarded-For` is believed only when the
 * TCP peer is one of `trustedProxies`, and then only up to the first hop that is not trusted.
 */
import { BlockList, isIP } from 'node:net';
import { OptionsError } from '../../protocol/errors.js';

/** Maps (TCP peer, X-Forwarded-For header) to the address the limits and the loopback rule use. */
export type ClientAddressResolver = (peer: string, forwardedFor: string) => string;

/** `::ffff:1.2.3.4` → `1.2.3.4`; other addresses unchanged. uWS reports IPv4 peers in the mapped form on dual-stack sockets. */
export function normalizeAddress(address: string): string {
  const mapped = /^(?:0{0,4}:){0,5}:?ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address;
}

/** Builds a BlockList of addresses and CIDR ranges (`10.0.0.0/8`, `::1`), naming the option on a bad entry. */
export function addressList(entries: readonly string[], key: string): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, bits] = entry.split('/');
    const family = isIP(address ?? '');
    const prefix = bits === undefined ? undefined : Number(bits);
    const maxBits = family === 6 ? 128 : 32;
    if (family === 0 || (prefix !== undefined && (!Number.isInteger(prefix) || prefix < 0 || prefix > maxBits))) {
      throw new OptionsError(key, `"${entry}" is not an IP address or CIDR range`);
    }
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address!, type);
    else list.addSubnet(address!, prefix, type);
  }
  return list;
}

function contains(list: BlockList, address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return list.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/** A resolver for the configured proxies; with none, the peer address is always the client. */
export function createClientAddressResolver(trustedProxies: readonly string[]): ClientAddressResolver {
  if (trustedProxies.length === 0) return (peer) => normalizeAddress(peer);
  const trusted = addressList(trustedProxies, 'trustedProxies');
  return (peer, forwardedFor) => {
    let client = normalizeAddress(peer);
    if (!contains(trusted, client) || forwardedFor === '') return client;
    // Walk right to left: each trusted hop vouches for the one before it; stop at the first untrusted.
    const hops = forwardedFor.split(',').map((hop) => normalizeAddress(hop.trim()));
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!;
      if (isIP(hop) === 0) return client; // garbage in the header: keep the last address we could trust
      client = hop;
      if (!contains(trusted, hop)) return client;
    }
    return client;
  };
}
