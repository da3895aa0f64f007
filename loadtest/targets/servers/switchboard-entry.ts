/**
 * The one way a Switchboard under measurement is started, whoever measures it: the load-test
 * server (switchboard.ts), the memory bench (bench/memory/switchboard-server.ts) and the security
 * memory check (test/security/fixtures/rss-server.ts). Each passes only what it changes; what they
 * share — loopback, a free port, logging off, the build line — is here, so the three cannot drift
 * apart. It lives under loadtest/ because bench and test may import the harness, never the reverse.
 */
import { createServer, type ServerOptions } from '../../../src/server/index.js';
import { describeUws, loadUws } from '../../../src/server/uws/binding.js';

/** A listening Switchboard, as runServerEntry (entry.ts) wants it. */
export interface StartedSwitchboard {
  port: number;
  /** `switchboard on <uWS build>`, plus `extra` when given. */
  build: string;
  close: () => Promise<void>;
}

/**
 * Starts Switchboard on 127.0.0.1, a free port, logging off, with `options` on top; `extra` is
 * appended to the build line (the settings a reader of the result should see).
 */
export async function startSwitchboard(options: Partial<ServerOptions>, extra = ''): Promise<StartedSwitchboard> {
  const server = createServer({ host: '127.0.0.1', port: 0, logLevel: 'silent', ...options });
  const { port } = await server.listen();
  return { port, build: `switchboard on ${describeUws(loadUws())}${extra}`, close: () => server.close() };
}
