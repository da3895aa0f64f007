/**
 * Which server a compare's ratios are taken against. The relay (bare uWS republishing the frame
 * bytes) is the floor for any server on this binding, so "how far from the relay" is the question a
 * reader has; bare uWS is the next best reference; without either, the first server listed.
 */

/** Reference servers, most preferred first. */
const REFERENCES = ['relay', 'uws'] as const;

/** The baseline among `servers` (in --servers order): the relay, else bare uWS, else the first. */
export function pickBaseline(servers: readonly string[]): string {
  return REFERENCES.find((name) => servers.includes(name)) ?? servers[0] ?? '';
}

/** The baseline in a sentence: "the relay", "bare uWS", or the server's own name. */
export function baselineName(server: string): string {
  if (server === 'relay') return 'the relay';
  if (server === 'uws') return 'bare uWS';
  return server;
}

/** The possessive: "the relay's", "bare uWS's", "switchboard:1's". */
export const baselines = (server: string): string => `${baselineName(server)}'s`;
