import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidRequest } from '../common/errors/oauth-error.js';
import {
  accessTokenInvalid,
  accessTokenLacksScope,
  accessTokenRequired,
  presentedAccessToken,
} from './presented-access-token.js';

const FORM = 'application/x-www-form-urlencoded';
const header = (authorization: string | string[] | undefined) =>
  presentedAccessToken({ authorization });
const bearer = (token: string) => ({ kind: 'token', scheme: 'Bearer', token });
const MALFORMED = { kind: 'malformed' };

test('no Authorization header is absent; an empty one is malformed, not absent', () => {
  assert.deepEqual(header(undefined), { kind: 'absent' });
  assert.deepEqual(header(''), MALFORMED);
});

test('the scheme is case-insensitive (RFC 9110 §11.1) and always reported as Bearer', () => {
  for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR'])
    assert.deepEqual(header(`${scheme} abc`), bearer('abc'), scheme);
});

test('spaces: several after the scheme and trailing ones pass; leading ones, tabs, none fail', () => {
  assert.deepEqual(header('Bearer    abc'), bearer('abc'));
  assert.deepEqual(header('Bearer abc   '), bearer('abc'));
  for (const value of [' Bearer abc', 'Bearer\tabc', 'Bearerabc', 'Bearer\u00a0abc'])
    assert.deepEqual(header(value), MALFORMED, JSON.stringify(value));
});

test('an empty token is malformed', () => {
  for (const value of ['Bearer', 'Bearer ', 'Bearer    '])
    assert.deepEqual(header(value), MALFORMED, JSON.stringify(value));
});

test('two headers, kept apart or joined with a comma, are malformed', () => {
  assert.deepEqual(header(['Bearer abc', 'Bearer def']), MALFORMED);
  assert.deepEqual(header('Bearer abc, Bearer def'), MALFORMED);
  assert.deepEqual(header('Bearer abc,def'), MALFORMED);
});

test('the token is token68: its charset, with "=" only as trailing padding', () => {
  assert.deepEqual(header('Bearer aZ09-._~+/'), bearer('aZ09-._~+/'));
  assert.deepEqual(header('Bearer abc=='), bearer('abc=='));
  for (const token of ['a=b', '=abc', 'a b', '"abc"', 'ab\\c', 'abc€', 'a:b', 'a%20b'])
    assert.deepEqual(header(`Bearer ${token}`), MALFORMED, token);
});

test('DPoP is a scheme of its own (RFC 9449 §7.1), case-insensitive too', () => {
  for (const scheme of ['DPoP', 'dpop', 'DPOP'])
    assert.deepEqual(header(`${scheme} abc`), { kind: 'token', scheme: 'DPoP', token: 'abc' });
  assert.deepEqual(header('DPoP abc, DPoP def'), MALFORMED);
});

test('other schemes are malformed', () => {
  for (const value of ['Basic YTpi', 'Token abc', 'DPoPabc'])
    assert.deepEqual(header(value), MALFORMED, value);
});

test('a form-body access_token is read only where the endpoint passes the form', () => {
  const form = { body: { access_token: 'abc' }, contentType: FORM };
  assert.deepEqual(presentedAccessToken({ authorization: undefined, form }), bearer('abc'));
  assert.deepEqual(
    presentedAccessToken({
      authorization: undefined,
      form: { ...form, contentType: 'Application/X-WWW-Form-Urlencoded; charset=utf-8' },
    }),
    bearer('abc'),
  );
  // A body without access_token, or none at all, leaves the header to decide.
  for (const body of [{}, undefined, null, 'text'])
    assert.deepEqual(
      presentedAccessToken({ authorization: 'Bearer def', form: { body, contentType: FORM } }),
      bearer('def'),
    );
});

test('a form-body access_token that is empty or not one string is malformed', () => {
  for (const access_token of ['', ['a', 'b'], 42])
    assert.deepEqual(
      presentedAccessToken({
        authorization: undefined,
        form: { body: { access_token }, contentType: FORM },
      }),
      MALFORMED,
      JSON.stringify(access_token),
    );
});

test('access_token outside a form body, or the token sent two ways, is invalid_request', () => {
  assert.throws(
    () =>
      presentedAccessToken({
        authorization: undefined,
        form: { body: { access_token: 'abc' }, contentType: 'application/json' },
      }),
    (e) =>
      e instanceof InvalidRequest &&
      e.description === 'access_token may be sent only in a form body',
  );
  assert.throws(
    () =>
      presentedAccessToken({
        authorization: 'Bearer abc',
        form: { body: { access_token: 'abc' }, contentType: FORM },
      }),
    (e) => e instanceof InvalidRequest && e.description === 'Send the access token one way only',
  );
});

test('the answers carry the RFC 6750 §3.1 challenges byte for byte', () => {
  const required = accessTokenRequired('none');
  assert.deepEqual(
    [required.error, required.status, required.headers],
    ['invalid_token', 401, { 'www-authenticate': 'Bearer' }],
  );
  const invalid = accessTokenInvalid('expired');
  assert.deepEqual(
    [invalid.error, invalid.status, invalid.headers],
    ['invalid_token', 401, { 'www-authenticate': 'Bearer error="invalid_token"' }],
  );
  const scope = accessTokenLacksScope('openid', 'no openid');
  assert.deepEqual(
    [scope.error, scope.status, scope.headers],
    [
      'insufficient_scope',
      403,
      { 'www-authenticate': 'Bearer error="insufficient_scope", scope="openid"' },
    ],
  );
});
