/**
 * The PHP Ratchet echo seed on Switchboard: every Send frame a client sends comes back to that
 * client alone as a Push frame, `Data received: <data>`. Pair it with index.html (see README.md).
 *
 * Run it directly: `node --import tsx examples/echo/server.ts` (env PORT, default 9001).
 */
import { pathToFileURL } from 'node:url';
import { createServer, type ListenInfo, type LogLevel, type Server } from '../../src/server/index.js';

/** Options of the echo example; everything else is the server's default. */
export interface EchoServerOptions {
  /** TCP port; 0 picks a free one. @default env PORT, else 9001 */
  port?: number;
  /** Interface to bind. @default env HOST, else '0.0.0.0' */
  host?: string;
  /** Server log level; 'silent' also mutes the example's own open/close lines. @default 'warn' */
  logLevel?: LogLevel;
}

/** A running echo server and where it listens. */
export interface EchoServer {
  server: Server;
  info: ListenInfo;
}

/** Starts the echo server and resolves once it is listening. */
export async function startEchoServer(options: EchoServerOptions = {}): Promise<EchoServer> {
  const say = options.logLevel === 'silent' ? () => {} : (line: string) => console.log(line);
  const server = createServer({
    port: options.port,
    host: options.host,
    logLevel: options.logLevel,
    onOpen: (client) => say(`New connection! (${client.id})`),
    onMessage: (client, data) => {
      client.send(`Data received: ${String(data)}`);
    },
    onClose: (client, code) => say(`Connection ${client.id} has disconnected (${code})`),
  });
  const info = await server.listen();
  return { server, info };
}

const runDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;

if (runDirectly) {
  const { server, info } = await startEchoServer();
  console.log(`Echo server listening on ${info.url}`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
