import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyDecryptionError, KeyEncryption } from './key-encryption.js';

const secret = 'a-test-secret-that-is-long-enough-0123456789';

test('round trip, and the plaintext is not in the sealed bytes', () => {
  const enc = new KeyEncryption(secret);
  const plaintext = Buffer.from('private key bytes '.repeat(8));
  const sealed = enc.encrypt(plaintext, 'kid-1');
  assert.equal(sealed.indexOf(plaintext.subarray(0, 16)), -1);
  assert.deepEqual(enc.decrypt(sealed, 'kid-1'), plaintext);
});

test('another secret, another kid or a flipped bit fail to decrypt with a clear error', () => {
  const sealed = new KeyEncryption(secret).encrypt(Buffer.from('x'), 'kid-1');
  assert.throws(
    () => new KeyEncryption(secret + 'x').decrypt(sealed, 'kid-1'),
    (e: unknown) =>
      e instanceof KeyDecryptionError && /KEYS_ENCRYPTION_SECRET differs/.test(e.message),
  );
  assert.throws(() => new KeyEncryption(secret).decrypt(sealed, 'kid-2'), KeyDecryptionError);
  const flipped = Buffer.from(sealed);
  flipped[flipped.length - 1] ^= 1;
  assert.throws(() => new KeyEncryption(secret).decrypt(flipped, 'kid-1'), KeyDecryptionError);
  assert.throws(
    () => new KeyEncryption(secret).decrypt(Buffer.from([9, 1, 2]), 'kid-1'),
    /unknown encryption format/,
  );
});
