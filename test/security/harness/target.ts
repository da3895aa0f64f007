/**
 * The server every door of the adversarial suite attacks: the `switchboard` CLI in a child process
 * (so "the server never exits" is a real process that could have died), configured through a config
 * file with every door open at once: the native WebSocket door (JWT connection tokens, a backend
 * connect hook), the Pusher WebSocket and HTTP doors (one app), the HTTP API (an API key) and the
 * backend hooks, answered by a hostile backend the test scripts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { startCli, type CliProcess } from '../../helpers/cli-process.js';
import { APP } from '../../helpers/pusher.js';
import { startHostileBackend, type HostileBackend } from './hostile-backend.js';

export const JWT_SECRET = 'adversarial-secret-0123456789abcdef';
export const API_KEY = 'adversarial-api-key-0123456789';
/** A secret nobody configured: tokens signed with it are forgeries. */
export const WRONG_SECRET = 'not-the-secret-0123456789abcdefgh';

/** Namespaces of the target: one per rule the doors must keep apart. */
export const NAMESPACES = {
  // Clients publish here (fuzzed publications land somewhere they may).
  'open:': { subscribe: 'anyone', publish: 'anyone' },
  // Every subscribe and publish asks the hostile backend.
  'hook:': { subscribe: 'backend', publish: 'backend' },
  'sealed-': { subscribe: 'token' },
  'vip:': { subscribe: 'claim' },
  'presence-': { presence: true },
} as const;

export interface Target {
  cli: CliProcess;
  backend: HostileBackend;
  port: number;
  /** `ws://127.0.0.1:<port>/` */
  url: string;
  /** `http://127.0.0.1:<port>` */
  http: string;
  /** Limits the doors' oracles compare with (the defaults, read back from the Welcome where they travel). */
  limits: { maxPayloadBytes: number; maxHttpBodyBytes: number; pusherBodyBytes: number; maxResponseBytes: number; maxTopicBytes: number };
  /** An HS256 token; `secret` to forge one. */
  sign(claims: Record<string, unknown>, options?: { sub?: string; expiresIn?: string | number; secret?: string }): Promise<string>;
  /** Whether the server process is still running. */
  alive(): boolean;
}

export async function startTarget(): Promise<Target> {
  const backend = await startHostileBackend();
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-adversarial-'));
  const config = join(dir, 'switchboard.config.json');
  writeFileSync(
    config,
    JSON.stringify({
      port: 0,
      host: '127.0.0.1',
      apiKey: API_KEY,
      jwtSecret: JWT_SECRET,
      pusher: { apps: [{ ...APP }] },
      backend: { connectUrl: `${backend.base}/connect`, subscribeUrl: `${backend.base}/subscribe`, publishUrl: `${backend.base}/publish`, rpcUrl: `${backend.base}/rpc`, timeoutMs: 1000 },
      namespaces: NAMESPACES,
    }),
  );
  const cli = startCli(['--config', config]);
  const [, port] = await cli.line(/listening on ws:\/\/[^:]+:(\d+)/);
  const key = (secret: string) => new TextEncoder().encode(secret);
  return {
    cli,
    backend,
    port: Number(port),
    url: `ws://127.0.0.1:${port}/`,
    http: `http://127.0.0.1:${port}`,
    limits: { maxPayloadBytes: 64 * 1024, maxHttpBodyBytes: 1024 * 1024, pusherBodyBytes: 256 * 1024, maxResponseBytes: 1024 * 1024, maxTopicBytes: 256 },
    async sign(claims, options = {}) {
      const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
      if (options.sub !== undefined) jwt.setSubject(options.sub);
      jwt.setExpirationTime(options.expiresIn ?? '1h');
      return jwt.sign(key(options.secret ?? JWT_SECRET));
    },
    alive: () => cli.child.exitCode === null && cli.child.signalCode === null,
  };
}
