/**
 * Source ports of the generator's bulk subscribers. Spread over several source addresses, they
 * bind explicit source ports from this range, below the kernel's ephemeral range (32768–60999 by
 * default), so they never meet a port the kernel picked for another socket. Binding to an address with port 0 instead makes the kernel search
 * for a free port, and once the sockets on all addresses together cover the ephemeral range that
 * search walks all of it on every connect: at 15,000 connections per generator process 75 % of
 * its CPU went to connect() and connections timed out waiting for their upgrade.
 */
export const EXPLICIT_PORT_BASE = 10_000;
export const EXPLICIT_PORTS = 32_768 - EXPLICIT_PORT_BASE;

/** The explicit source port of subscriber `index` spread over `addresses` (see EXPLICIT_PORT_BASE). */
export function explicitSourcePort(index: number, addresses: number): number | undefined {
  const port = EXPLICIT_PORT_BASE + Math.floor(index / addresses);
  return port < 32_768 ? port : undefined;
}
