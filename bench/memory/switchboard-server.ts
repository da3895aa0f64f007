/**
 * Switchboard as the memory measurement runs it: production defaults (per-connection rate limits
 * on, so each connection carries its limiter state as it would in service), except the admission
 * caps, which would refuse thousands of connections from one loopback address, and logging.
 */
import { createServer, describeUws, loadUws } from '../../src/server/index.js';
import { runServerEntry } from '../../loadtest/targets/servers/entry.js';

runServerEntry(async () => {
  const server = createServer({ host: '127.0.0.1', port: 0, logLevel: 'silent', maxConnections: 0, maxConnectionsPerIp: 0, connectsPerSecond: 0 });
  const { port } = await server.listen();
  return { port, build: `switchboard on ${describeUws(loadUws())}`, close: () => server.close() };
});
