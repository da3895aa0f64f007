import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SignJWT } from 'jose';
import { refreshDelay, tokenExpiry } from '../../../src/client/token-refresh.js';

test('tokenExpiry reads exp without verifying; anything else is undefined', async () => {
  const token = await new SignJWT({ name: 'Zoë' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(2_000_000_000).sign(new TextEncoder().encode('k'.repeat(32)));
  assert.equal(tokenExpiry(token), 2_000_000_000_000);
  assert.equal(tokenExpiry(undefined), undefined);
  assert.equal(tokenExpiry('opaque-session-token'), undefined);
  assert.equal(tokenExpiry('a.!!!.c'), undefined);
});

test('refreshDelay: the margin before expiry, but never later than half the remaining life', () => {
  assert.equal(refreshDelay(100_000, 0, 30_000), 70_000);
  assert.equal(refreshDelay(10_000, 0, 30_000), 5_000);
  assert.equal(refreshDelay(0, 1000, 30_000), 0);
});
