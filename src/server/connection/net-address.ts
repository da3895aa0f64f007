/** Address helpers for policies that depend on where a request comes from. */
import { BlockList } from 'node:net';

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');
loopback.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

/** True for 127.0.0.0/8, ::1 and IPv4-mapped loopback, in any text form uWS reports. */
export function isLoopback(address: string): boolean {
  try {
    if (address.includes(':')) return loopback.check(address, 'ipv6');
    return loopback.check(address, 'ipv4');
  } catch {
    return false;
  }
}
