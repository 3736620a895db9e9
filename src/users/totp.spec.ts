import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  base32Decode,
  base32Encode,
  generateTotpSecret,
  otpauthUri,
  TOTP_SECRET_BYTES,
} from './totp.js';

test('base32 of the RFC 4648 §10 test vectors', () => {
  const vectors: [string, string][] = [
    ['', ''],
    ['f', 'MY'],
    ['fo', 'MZXQ'],
    ['foo', 'MZXW6'],
    ['foob', 'MZXW6YQ'],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI'],
  ];
  for (const [plain, encoded] of vectors) {
    assert.equal(base32Encode(Buffer.from(plain)), encoded, plain);
    assert.equal(base32Decode(encoded)?.toString(), plain, encoded);
  }
  assert.equal(base32Decode('MZXW6YQ=')?.toString(), 'foob', 'padded');
  assert.equal(base32Decode('mzxw 6ytb oi======')?.toString(), 'foobar', 'lower case, grouped');
});

test('base32 refuses other alphabets and impossible lengths', () => {
  for (const bad of ['MZXW1', 'MZX', 'M', 'MZXW6YTBO', 'MZ=XW', 'MZXW6Y==', 'MZ=======', 'MZ+/']) {
    assert.equal(base32Decode(bad), undefined, bad);
  }
});

test('a generated secret has 160 bits and round-trips through base32', () => {
  const secret = generateTotpSecret();
  assert.equal(secret.length, TOTP_SECRET_BYTES);
  assert.deepEqual(base32Decode(base32Encode(secret)), secret);
  assert.notDeepEqual(generateTotpSecret(), secret);
});

// The secret is RFC 6238's test key, whose base32 form authenticator docs quote.
test('the otpauth URI names the issuer and the account and spells out the parameters', () => {
  const uri = otpauthUri(
    Buffer.from('12345678901234567890'),
    'alice@example.com',
    'id.example:8443',
  );
  assert.equal(
    uri,
    'otpauth://totp/id.example%3A8443:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=id.example%3A8443&algorithm=SHA1&digits=6&period=30',
  );
});
