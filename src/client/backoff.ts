/** Reconnect delays: exponential growth with jitter, so a restarted server is not hit by a thundering herd. */

import { CLIENT_DEFAULTS } from './options.js';

export interface BackoffOptions {
  /** Upper bound of the first delay, in ms. @default 250 */
  minDelayMs: number;
  /** Largest delay, in ms. @default 10000 */
  maxDelayMs: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({ minDelayMs: CLIENT_DEFAULTS.minReconnectDelayMs, maxDelayMs: CLIENT_DEFAULTS.maxReconnectDelayMs });

/**
 * Delay before reconnect attempt `attempt` (0 = first): uniformly random in the upper half of
 * min(maxDelayMs, minDelayMs · 2^attempt), so the first retry comes within minDelayMs.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.minDelayMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * Longest wait before reconnecting after 1012 SERVICE_RESTART, in ms. The server already spreads
 * its closes over its drain window and other servers are up, so waiting longer only lengthens
 * the gap that history must fill.
 */
export const SERVICE_RESTART_MAX_DELAY_MS = 100;

/**
 * Delay before reconnecting after a 1012 close: uniformly random in [0, min(minDelayMs, 100)] ms,
 * whatever the attempt count (the backoff is for servers in trouble, not for planned restarts).
 */
export function serviceRestartDelay(options: Pick<BackoffOptions, 'minDelayMs'> = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  return Math.round(random() * Math.min(SERVICE_RESTART_MAX_DELAY_MS, options.minDelayMs));
}
