import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  clearSessionCookie,
  SessionCookieSigner,
  sessionCookieSettings,
  sessionCookieValues,
  setSessionCookie,
} from './session-cookie.js';

const secret = 'a-test-secret-that-is-long-enough-0123456789';
const signer = new SessionCookieSigner(secret);

test('an issued value verifies to the digest of its random id, and only that', () => {
  const { cookieValue, sessionId } = signer.issue();
  assert.match(cookieValue, /^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
  assert.equal(signer.verify(cookieValue), sessionId);
  const id = Buffer.from(cookieValue.split('.')[0], 'base64url');
  assert.equal(sessionId, createHash('sha256').update(id).digest('base64url'));
  // The cookie does not contain the stored id.
  assert.ok(!cookieValue.includes(sessionId));
  assert.notEqual(signer.issue().cookieValue, cookieValue);
});

test('tampered, foreign and malformed values verify to nothing, without throwing', () => {
  const { cookieValue } = signer.issue();
  const [id, tag] = cookieValue.split('.');
  const flip = (s: string, i: number) =>
    s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
  const other = new SessionCookieSigner(secret + 'x').issue().cookieValue;
  const bad: unknown[] = [
    `${flip(id, 0)}.${tag}`,
    `${id}.${flip(tag, 5)}`,
    `${id}.${signer.issue().cookieValue.split('.')[1]}`,
    other,
    `${tag}.${id}`,
    `${id}.${tag}x`,
    `${id}${tag}`,
    `${id}.${tag}`.toUpperCase(),
    ` ${cookieValue}`,
    '',
    '.',
    'x'.repeat(1_000_000),
    `${id}.${tag}.${tag}`,
    undefined,
    null,
    42,
    {},
    [cookieValue],
    Buffer.from(cookieValue),
  ];
  for (const value of bad) assert.equal(signer.verify(value), undefined, String(value));
});

test('a non-canonical base64url spelling of a valid value is refused', () => {
  const { cookieValue } = signer.issue();
  const [id, tag] = cookieValue.split('.');
  // The last of 43 characters carries 4 bits of data and 2 unused ones.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = alphabet.indexOf(tag[42]);
  const twin = tag.slice(0, 42) + alphabet[last ^ 1];
  assert.deepEqual(Buffer.from(twin, 'base64url'), Buffer.from(tag, 'base64url'));
  assert.equal(signer.verify(`${id}.${twin}`), undefined);
});

test('Set-Cookie attributes follow the issuer: path, Secure, Max-Age to the absolute expiry', () => {
  const session = { cookieName: 'op_session', expiration: 0, inactivity: 0, rememberMe: 0 };
  const https = sessionCookieSettings({ issuer: 'https://id.example.org/op/', session });
  assert.deepEqual(https, { name: 'op_session', path: '/op', secure: true });
  const now = Date.UTC(2030, 0, 1);
  assert.equal(
    setSessionCookie(https, 'v.t', new Date(now + 3_600_500), now),
    'op_session=v.t; Max-Age=3600; Path=/op; HttpOnly; SameSite=Lax; Secure',
  );
  const http = sessionCookieSettings({ issuer: 'http://localhost:8080', session });
  assert.deepEqual(http, { name: 'op_session', path: '/', secure: false });
  assert.equal(
    setSessionCookie(http, 'v.t', new Date(now - 1), now),
    'op_session=v.t; Max-Age=0; Path=/; HttpOnly; SameSite=Lax',
  );
  assert.equal(
    clearSessionCookie(https),
    'op_session=; Max-Age=0; Path=/op; HttpOnly; SameSite=Lax; Secure',
  );
});

test('cookie values are read from a Cookie header by exact name', () => {
  assert.deepEqual(sessionCookieValues('a=1; op_session=x.y; op_session_2=z', 'op_session'), [
    'x.y',
  ]);
  assert.deepEqual(sessionCookieValues(['op_session=1', 'op_session=2;b=3'], 'op_session'), [
    '1',
    '2',
  ]);
  assert.deepEqual(
    sessionCookieValues('op_session=1;op_session=2;op_session=3;op_session=4', 'op_session'),
    ['1', '2', '3'],
  );
  for (const header of [undefined, null, 7, '', 'op_session', ';;;', 'xop_session=1'])
    assert.deepEqual(sessionCookieValues(header, 'op_session'), []);
});
