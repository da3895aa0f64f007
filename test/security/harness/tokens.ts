/**
 * Credentials of every kind the token class hands a door, minted the way an attacker would get
 * them: expired, unsigned (`alg: none`), signed with a key the server does not have, a subscription
 * token where a connection token goes and the reverse, another user's.
 */
import type { TokenKind } from './hostile.js';
import { WRONG_SECRET, type Target } from './target.js';

/** Who the attacking connections are. */
export const ATTACKER = 'mallory';

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * The credential of `kind` for `slot`: a connection token (upgrade, Refresh, HTTP bearer) or a
 * subscription token for `topic`. Undefined for 'none'.
 */
export async function tokenOfKind(target: Target, kind: TokenKind, slot: { topic?: string } = {}): Promise<string | undefined> {
  const right: Record<string, unknown> = slot.topic === undefined ? {} : { topic: slot.topic };
  switch (kind) {
    case 'none':
      return undefined;
    case 'garbage':
      return 'not.a.jwt';
    case 'expired':
      return target.sign(right, { sub: ATTACKER, expiresIn: Math.floor(Date.now() / 1000) - 60 });
    case 'alg-none':
      return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ ...right, sub: ATTACKER, exp: Math.floor(Date.now() / 1000) + 3600 })}.`;
    case 'wrong-key':
      return target.sign(right, { sub: ATTACKER, secret: WRONG_SECRET });
    case 'subscription-as-connection':
      return target.sign({ topic: slot.topic ?? 'sealed-t' }, { sub: ATTACKER });
    case 'connection-as-subscription':
      return target.sign({}, { sub: ATTACKER });
    case 'other-user':
      return target.sign(right, { sub: 'alice' });
  }
}
