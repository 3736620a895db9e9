import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  base32Decode,
  base32Encode,
  generateTotpSecret,
  matchTotp,
  TOTP_SECRET_BYTES,
  totpCode,
  totpUri,
  type TotpSettings,
} from './totp.js';

// RFC 6238 Appendix B: the seeds, and the 8-digit codes at each time for each algorithm.
const SEEDS = {
  SHA1: Buffer.from('12345678901234567890'),
  SHA256: Buffer.from('12345678901234567890123456789012'),
  SHA512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234'),
} as const;
const VECTORS: [number, string, string, string][] = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

test('RFC 6238 Appendix B test vectors, for SHA1, SHA256 and SHA512', () => {
  for (const [seconds, ...codes] of VECTORS) {
    (['SHA1', 'SHA256', 'SHA512'] as const).forEach((algorithm, i) => {
      const settings: TotpSettings = { algorithm, digits: 8, period: 30, skew: 0 };
      const timestamp = seconds * 1000;
      assert.equal(totpCode(SEEDS[algorithm], settings, timestamp), codes[i]);
      assert.equal(
        matchTotp(SEEDS[algorithm], codes[i], settings, timestamp),
        Math.floor(seconds / 30),
        `${algorithm} at ${seconds}`,
      );
    });
  }
});

const defaults: TotpSettings = { algorithm: 'SHA1', digits: 6, period: 30, skew: 1 };
const t = 1_111_111_111_000;
const step = Math.floor(t / 30_000);

test('a code matches within one step either side (skew 1), and not beyond', () => {
  const secret = generateTotpSecret();
  const code = totpCode(secret, defaults, t);
  assert.equal(matchTotp(secret, code, defaults, t), step);
  assert.equal(matchTotp(secret, code, defaults, t + 30_000), step);
  assert.equal(matchTotp(secret, code, defaults, t - 30_000), step);
  assert.equal(matchTotp(secret, code, defaults, t + 60_000), undefined);
  assert.equal(matchTotp(secret, code, defaults, t - 60_000), undefined);
  assert.equal(matchTotp(secret, code, { ...defaults, skew: 0 }, t + 30_000), undefined);
  assert.equal(matchTotp(generateTotpSecret(), code, defaults, t), undefined);
});

test('malformed codes match nothing, without throwing', () => {
  const secret = generateTotpSecret();
  const code = totpCode(secret, defaults, t);
  const bad: unknown[] = [
    '',
    ' ' + code,
    code + ' ',
    code.slice(1),
    code + '0',
    '12345a',
    '１２３４５６',
    '-12345',
    '1e5000',
    '9'.repeat(1_000_000),
    Number(code),
    null,
    undefined,
    {},
    [code],
  ];
  for (const value of bad) assert.equal(matchTotp(secret, value, defaults, t), undefined);
});

test('the otpauth URI carries the issuer, the account and the parameters', () => {
  const uri = new URL(
    totpUri(Buffer.from(SEEDS.SHA1), { ...defaults, issuer: 'Example Corp' }, 'john'),
  );
  assert.equal(uri.protocol, 'otpauth:');
  assert.equal(uri.host, 'totp');
  assert.equal(decodeURIComponent(uri.pathname), '/Example Corp:john');
  assert.equal(uri.searchParams.get('issuer'), 'Example Corp');
  assert.equal(uri.searchParams.get('secret'), 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  assert.equal(uri.searchParams.get('algorithm'), 'SHA1');
  assert.equal(uri.searchParams.get('digits'), '6');
  assert.equal(uri.searchParams.get('period'), '30');
});

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

test('a generated secret has 256 bits, Authelia’s size, and round-trips through base32', () => {
  const secret = generateTotpSecret();
  assert.equal(secret.length, TOTP_SECRET_BYTES);
  assert.deepEqual(base32Decode(base32Encode(secret)), secret);
  assert.notDeepEqual(generateTotpSecret(), secret);
});
