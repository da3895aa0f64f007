/**
 * Pusher signatures: HMAC-SHA256 in hex, compared in constant time. Used for channel
 * authorisation (`key:hmac(secret, "socket_id:channel[:channel_data]")`), user sign-in and the
 * HTTP API's `auth_signature`.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** HMAC-SHA256 of `text` under `secret`, hex. */
export function sign(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text, 'utf8').digest('hex');
}

/** Constant-time equality of two strings (digests first, so neither length nor content leaks). */
export function safeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
}

/** Whether `auth` (`key:signature`) signs `text` for the app with this key and secret. */
export function verifyAuth(auth: string, app: { key: string; secret: string }, text: string): boolean {
  const colon = auth.indexOf(':');
  if (colon < 0) return false;
  // Both halves are compared so a wrong key costs the same time as a wrong signature.
  const keyOk = safeEqual(auth.slice(0, colon), app.key);
  const signatureOk = safeEqual(auth.slice(colon + 1), sign(app.secret, text));
  return keyOk && signatureOk;
}

/** The text a private or presence channel subscription signs. */
export function channelAuthText(socketId: string, channel: string, channelData: string | undefined): string {
  return channelData === undefined ? `${socketId}:${channel}` : `${socketId}:${channel}:${channelData}`;
}

/** The text a `pusher:signin` signs. */
export function signinText(socketId: string, userData: string): string {
  return `${socketId}::user::${userData}`;
}

/** MD5 of a request body, hex (the HTTP API's `body_md5`). */
export function bodyMd5(body: Buffer): string {
  return createHash('md5').update(body).digest('hex');
}
