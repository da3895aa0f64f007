/**
 * Switchboard as the load tests run it: defaults everywhere except what the scenarios need —
 * client publish on (fan-out publishers are WebSocket clients, as with every peer), an `echo` RPC
 * handler for the rpc scenario, and logging off. The HTTP API is loopback-only (no key).
 */
import { createServer, describeUws, loadUws } from '../../src/server/index.js';
import { runServerEntry } from './entry.js';

runServerEntry(async () => {
  const server = createServer({
    host: '127.0.0.1',
    port: 0,
    clientPublish: true,
    logLevel: 'silent',
    rpc: { echo: (_client, data) => data },
  });
  const { port } = await server.listen();
  return { port, build: `switchboard on ${describeUws(loadUws())}`, close: () => server.close() };
});
