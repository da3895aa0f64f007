/**
 * The abuse limits a load-test server runs without: a load test measures what the server can
 * carry, not its defences, and one generator on a few loopback addresses would trip every
 * per-address and per-connection limit at once (their defaults: src/server/config/options.ts).
 * loadtest/switchboard.loadtest.json is the same for a server started by hand.
 */
export const LIMITS_OFF = {
  maxConnections: 0,
  maxConnectionsPerIp: 0,
  connectsPerSecond: 0,
  messagesPerSecond: 0,
  bytesPerSecond: 0,
  httpRequestsPerSecond: 0,
} as const;
