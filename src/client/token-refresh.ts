/**
 * Keeps a connection's token fresh: reads the `exp` of the token the client connected with (no
 * verification: the server does that) and, shortly before it, asks the token function for a new
 * one and sends it in a Refresh frame. If that fails the server closes with 4001 TOKEN_EXPIRED and
 * the client reconnects with a fresh token anyway, so a failed refresh costs a reconnect, no more.
 */
import { CLIENT_DEFAULTS } from './options.js';

/** Default time before expiry at which the client refreshes (capped at half the token's remaining life). */
export const DEFAULT_REFRESH_MARGIN_MS: number = CLIENT_DEFAULTS.refreshMarginMs;

/** `exp` of a JWT in ms since the epoch, or undefined when it has none or is not a JWT. Does not verify. */
export function tokenExpiry(token: string | undefined): number | undefined {
  const payload = token?.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
    const json = JSON.parse(new TextDecoder().decode(bytes)) as { exp?: unknown };
    return typeof json.exp === 'number' && Number.isFinite(json.exp) ? json.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** Delay until the refresh for a token expiring at `expiresAt`: `margin` before it, at most half the remaining time. */
export function refreshDelay(expiresAt: number, now: number, marginMs: number): number {
  const remaining = expiresAt - now;
  return Math.max(0, remaining - Math.min(marginMs, remaining / 2));
}

export class TokenRefresher {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    /** Produces a fresh token (the client's `token` option when it is a function). */
    private readonly fetchToken: (() => string | Promise<string>) | undefined,
    /** Sends a Refresh frame; resolves with the server's new expiry (ms) or null. */
    private readonly send: (token: string) => Promise<number | null>,
    private readonly onError: (error: Error) => void,
    private readonly marginMs = DEFAULT_REFRESH_MARGIN_MS,
  ) {}

  /** Plans the next refresh for a connection whose token expires at `expiresAt` (nothing to do if undefined). */
  schedule(expiresAt: number | undefined): void {
    this.stop();
    if (expiresAt === undefined || this.fetchToken === undefined) return;
    // Longer than setTimeout can wait (~24.8 days): plan again when that wait is over.
    const delay = Math.min(refreshDelay(expiresAt, Date.now(), this.marginMs), 2 ** 31 - 1);
    this.timer = setTimeout(() => void this.refresh(), delay);
    (this.timer as { unref?: () => void }).unref?.();
  }

  /** Stops any planned refresh (on disconnect and close). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async refresh(): Promise<void> {
    try {
      const token = await this.fetchToken!();
      const expiresAt = await this.send(token);
      this.schedule(expiresAt ?? undefined);
    } catch (err) {
      this.onError(err instanceof Error ? err : new Error(String(err)));
    }
  }
}
