import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needsTouch, sessionLifetime, sessionStatus, touchInterval } from './session-times.js';

const t0 = Date.UTC(2030, 0, 1);
const session = (lastSeen: number, expires: number, rememberMe = false) => ({
  lastSeenAt: new Date(lastSeen),
  expiresAt: new Date(expires),
  rememberMe,
});
const MIN = 60_000;

test('a session is active until idle or past its absolute expiry, whichever comes first', () => {
  const s = session(t0, t0 + 60 * MIN);
  assert.equal(sessionStatus(s, t0, 5 * MIN), 'active');
  assert.equal(sessionStatus(s, t0 + 5 * MIN - 1, 5 * MIN), 'active');
  assert.equal(sessionStatus(s, t0 + 5 * MIN, 5 * MIN), 'idle');
  // Used recently, yet past the absolute expiry.
  const used = session(t0 + 59 * MIN, t0 + 60 * MIN);
  assert.equal(sessionStatus(used, t0 + 60 * MIN - 1, 5 * MIN), 'active');
  assert.equal(sessionStatus(used, t0 + 60 * MIN, 5 * MIN), 'expired');
});

test('no idle timeout with inactivity 0 or "remember me"', () => {
  assert.equal(sessionStatus(session(t0, t0 + 60 * MIN), t0 + 59 * MIN, 0), 'active');
  const remembered = session(t0, t0 + 30 * 24 * 60 * MIN, true);
  assert.equal(sessionStatus(remembered, t0 + 24 * 60 * MIN, 5 * MIN), 'active');
  assert.equal(sessionStatus(remembered, t0 + 30 * 24 * 60 * MIN, 5 * MIN), 'expired');
});

test('last_seen_at is written back at most once a minute, sooner for short timeouts', () => {
  assert.equal(touchInterval(5 * MIN), MIN);
  assert.equal(touchInterval(60 * MIN), MIN);
  assert.equal(touchInterval(0), MIN);
  assert.equal(touchInterval(2_000), 400);
  const s = session(t0, t0 + 60 * MIN);
  assert.equal(needsTouch(s, t0 + MIN - 1, 5 * MIN), false);
  assert.equal(needsTouch(s, t0 + MIN, 5 * MIN), true);
});

test('the lifetime is SESSION_REMEMBER_ME only when chosen and enabled', () => {
  const settings = { expiration: 60 * MIN, rememberMe: 30 * 24 * 60 * MIN };
  assert.equal(sessionLifetime(settings, false), 60 * MIN);
  assert.equal(sessionLifetime(settings, true), 30 * 24 * 60 * MIN);
  assert.equal(sessionLifetime({ ...settings, rememberMe: 0 }, true), 60 * MIN);
});
