import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecryptionError, SecretBox } from './secret-box.js';

const box = (secret: string) =>
  new SecretBox(secret, 'signing-keys', (kid) => `Signing key ${kid}`);

const secret = 'a-test-secret-that-is-long-enough-0123456789';

test('round trip, and the plaintext is not in the sealed bytes', () => {
  const enc = box(secret);
  const plaintext = Buffer.from('private key bytes '.repeat(8));
  const sealed = enc.encrypt(plaintext, 'kid-1');
  assert.equal(sealed.indexOf(plaintext.subarray(0, 16)), -1);
  assert.deepEqual(enc.decrypt(sealed, 'kid-1'), plaintext);
});

test('another secret, another kid or a flipped bit fail to decrypt with a clear error', () => {
  const sealed = box(secret).encrypt(Buffer.from('x'), 'kid-1');
  assert.throws(
    () => box(secret + 'x').decrypt(sealed, 'kid-1'),
    (e: unknown) =>
      e instanceof DecryptionError && /KEYS_ENCRYPTION_SECRET differs/.test(e.message),
  );
  assert.throws(() => box(secret).decrypt(sealed, 'kid-2'), DecryptionError);
  const flipped = Buffer.from(sealed);
  flipped[flipped.length - 1] ^= 1;
  assert.throws(() => box(secret).decrypt(flipped, 'kid-1'), DecryptionError);
  assert.throws(
    () => box(secret).decrypt(Buffer.from([9, 1, 2]), 'kid-1'),
    /unknown encryption format/,
  );
});

test('each purpose has its own key', () => {
  const sealed = box(secret).encrypt(Buffer.from('x'), 'id');
  const other = new SecretBox(secret, 'client-secrets', (id) => `The secret of client ${id}`);
  assert.throws(() => other.decrypt(sealed, 'id'), /The secret of client id cannot be decrypted/);
});
