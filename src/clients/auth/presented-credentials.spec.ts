import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidClient } from '../../common/errors/oauth-error.js';
import { parseBasic, presentedMethods } from './presented-credentials.js';

const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;

test('Basic: form-urlencoded halves, standard and URL-safe Base64, with or without padding', () => {
  assert.deepEqual(parseBasic(basic('my%20app:p%2Bss%3Aword')), {
    clientId: 'my app',
    secret: 'p+ss:word',
  });
  // "?>?" encodes to characters that differ between the two alphabets.
  const secret = 'a?>?b~';
  const standard = Buffer.from(`c:${secret}`).toString('base64');
  const urlSafe = Buffer.from(`c:${secret}`).toString('base64url');
  assert.notEqual(standard.replace(/=+$/, ''), urlSafe);
  for (const encoded of [standard, urlSafe, standard.replace(/=+$/, '')]) {
    assert.deepEqual(parseBasic(`Basic ${encoded}`), { clientId: 'c', secret });
  }
});

test('Basic: malformed credentials are invalid_client', () => {
  for (const header of [
    'Basic',
    'Basic !!!',
    basic('no-colon'),
    basic(':secret-without-id'),
    basic('a%zz:b'),
  ]) {
    assert.throws(() => parseBasic(header), InvalidClient, header);
  }
});

test('every credential-bearing method in a request is found', () => {
  assert.deepEqual(presentedMethods(undefined, { client_id: 'a' }), ['none']);
  assert.deepEqual(presentedMethods(basic('a:b'), { client_id: 'a' }), ['client_secret_basic']);
  assert.deepEqual(presentedMethods(undefined, { client_id: 'a', client_secret: 'b' }), [
    'client_secret_post',
  ]);
  assert.deepEqual(presentedMethods(basic('a:b'), { client_secret: 'b', client_assertion: 'x' }), [
    'client_secret_basic',
    'client_secret_post',
    'jwt',
  ]);
  assert.deepEqual(presentedMethods('Bearer x', {}), []);
  assert.deepEqual(presentedMethods(undefined, undefined), []);
});
