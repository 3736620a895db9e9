import { test } from 'node:test';
import assert from 'node:assert/strict';
import { challenge } from './challenge.js';

test('without params the challenge is the scheme alone (RFC 6750 §3.1: no credentials)', () => {
  assert.equal(challenge('Bearer'), 'Bearer');
  assert.equal(challenge('Bearer', {}), 'Bearer');
});

test('params are quoted in a fixed order, realm first, whatever order they are given in', () => {
  assert.equal(challenge('Basic', { realm: 'openid-provider' }), 'Basic realm="openid-provider"');
  assert.equal(challenge('Bearer', { error: 'invalid_token' }), 'Bearer error="invalid_token"');
  assert.equal(
    challenge('Bearer', { scope: 'openid', error: 'insufficient_scope' }),
    'Bearer error="insufficient_scope", scope="openid"',
  );
  assert.equal(
    challenge('Bearer', {
      scope: 'admin',
      error_description: 'The access token expired',
      error: 'invalid_token',
      realm: 'example',
    }),
    'Bearer realm="example", error="invalid_token", error_description="The access token expired", scope="admin"',
  );
});

test('quotes and backslashes are escaped as quoted-string content (RFC 9110 §5.6.4)', () => {
  assert.equal(
    challenge('Bearer', { error_description: 'say "hi" \\ bye' }),
    'Bearer error_description="say \\"hi\\" \\\\ bye"',
  );
  assert.equal(challenge('Bearer', { realm: '"' }), 'Bearer realm="\\""');
});

test('characters a header may not carry are dropped, so a value cannot split the header', () => {
  assert.equal(
    challenge('Bearer', { error_description: 'line\r\nSet-Cookie: x=1\u0000é' }),
    'Bearer error_description="lineSet-Cookie: x=1"',
  );
});

test('an empty value is still a param: only an absent one is left out', () => {
  assert.equal(challenge('Bearer', { realm: '' }), 'Bearer realm=""');
});
