/**
 * Why a server refused the generator, in terms of the setting that refused it. A Switchboard started
 * with `npm start` keeps its abuse limits (per-address connection cap, upgrade rate, client publish
 * off, frames per second per connection), and one generator on one host trips every one of them;
 * "911 connections failed: 1006 upgrade refused: HTTP/1.1 429" alone does not say what to change.
 * The statuses and codes are Switchboard's (src/protocol/codes.ts); the defaults quoted come from the
 * server's own DEFAULTS, so a changed default cannot leave a stale hint here.
 */
import { DEFAULTS } from '../../src/server/index.js';

/** The loadtest config for targets, relative to the repository root. */
export const LOADTEST_CONFIG = 'loadtest/switchboard.loadtest.json';

const FIX = `start the target with \`npm start -- --config ${LOADTEST_CONFIG}\``;

/** 1000 → `1,000`: the way the docs write the defaults. */
const n = (value: number): string => value.toLocaleString('en-US');
const { maxConnectionsPerIp, connectsPerSecond, maxConnections, messagesPerSecond, bytesPerSecond } = DEFAULTS;
const bytesPerSecondText = bytesPerSecond % (1024 * 1024) === 0 ? `${bytesPerSecond / (1024 * 1024)} MiB` : `${n(bytesPerSecond)} B`;

interface Rule {
  /** Matches one error string a worker reported. */
  test: RegExp;
  /** What refused and what lifts it. */
  explain: string;
}

// Most specific first: 503 has two causes, told apart by the message in the body.
const RULES: Rule[] = [
  { test: /upgrade refused: HTTP\/1\.1 429/, explain: `upgrade refused with 429: the per-address connection cap \`maxConnectionsPerIp\` (default ${n(maxConnectionsPerIp)}) — set it to 0 (or above the connections per source address), or spread with --source-addresses` },
  { test: /upgrade refused: HTTP\/1\.1 503.*(connection attempts|RATE)/i, explain: `upgrade refused with 503: the upgrade rate \`connectsPerSecond\` (default ${n(connectsPerSecond)}/s, burst ${n(connectsPerSecond * 2)}) — set it to 0, or lower --connect-rate` },
  { test: /upgrade refused: HTTP\/1\.1 503.*connection limit/i, explain: `upgrade refused with 503: the total connection cap \`maxConnections\` (default ${n(maxConnections)}) — raise it or set it to 0` },
  { test: /upgrade refused: HTTP\/1\.1 503/, explain: `upgrade refused with 503: \`connectsPerSecond\` (default ${n(connectsPerSecond)}/s) or \`maxConnections\` (default ${n(maxConnections)}) — set both to 0, or lower --connect-rate` },
  { test: /upgrade refused: HTTP\/1\.1 401/, explain: 'upgrade refused with 401: the target requires a connection token (`jwtSecret`, `jwtPublicKey` or `jwksUrl` is set); the harness connects anonymously — run the target without token settings' },
  { test: /upgrade refused: HTTP\/1\.1 403/, explain: 'upgrade refused with 403: origin or authentication hook (`allowedOrigins`, `authenticate`) — the harness sends no Origin and no token' },
  { test: /publish refused: FORBIDDEN/, explain: 'publications refused (FORBIDDEN): client publish is off — set `"clientPublish": true` (or `--client-publish`), or `publish: "anyone"` on the `lt.` namespace' },
  { test: /closed 4002|RATE_LIMITED/, explain: `connections closed with 4002 (rate limited): the per-connection \`messagesPerSecond\` (default ${n(messagesPerSecond)}) or \`bytesPerSecond\` (default ${bytesPerSecondText}) — set both to 0` },
  { test: /subscribe refused/, explain: 'subscriptions refused: the topic namespace does not let anonymous clients subscribe to `lt.*` — allow it in `namespaces`' },
];

/** One line per limit that refused the generator, with what lifts it; empty when none applies. */
export function diagnoseRefusals(errors: readonly string[]): string[] {
  const found = new Set<string>();
  for (const error of errors) {
    const rule = RULES.find((candidate) => candidate.test.test(error));
    if (rule !== undefined) found.add(rule.explain);
  }
  if (found.size === 0) return [];
  return [...found, `all of these are lifted at once when you ${FIX}`];
}
