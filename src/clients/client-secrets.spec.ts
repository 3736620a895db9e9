import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hash as argon2Hash } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';
import {
  ClientSecretVerifier,
  digestClientSecret,
  digestKind,
  generateClientSecret,
} from './client-secrets.js';

test('generated secrets: 48 unreserved characters, about 290 bits, all different', () => {
  const secrets = new Set(Array.from({ length: 200 }, generateClientSecret));
  assert.equal(secrets.size, 200);
  for (const s of secrets) assert.match(s, /^[A-Za-z0-9._~-]{48}$/);
  assert.ok(48 * Math.log2(66) >= 256);
});

test('a generated secret verifies against its SHA-256 digest, another one does not', async () => {
  const verifier = new ClientSecretVerifier();
  const secret = generateClientSecret();
  const digest = digestClientSecret(secret);
  assert.equal(digestKind(digest), 'sha256');
  assert.ok(!digest.includes(secret));
  assert.equal(await verifier.verify(secret, digest), true);
  assert.equal(await verifier.verify(secret + 'x', digest), false);
  assert.equal(await verifier.verify('', digest), false);
});

test("Authelia's documented pbkdf2-sha512 digest of 'insecure_secret'", async () => {
  const digest =
    '$pbkdf2-sha512$310000$c8p78n7pUMln0jzvd4aK4Q$JNRBzwAo0ek5qKn50cFzzvE9RXV88h1wJn5KGiHrD0YKtZaR/nCb2CJPOsKaPK0hjf.9yHxzQGZziziccp6Yng';
  const verifier = new ClientSecretVerifier();
  assert.equal(digestKind(digest), 'pbkdf2');
  assert.equal(await verifier.verify('insecure_secret', digest), true);
  assert.equal(await verifier.verify('insecure_secreT', digest), false);
});

test('imported argon2id and bcrypt digests verify, and a success is cached', async () => {
  const verifier = new ClientSecretVerifier();
  const argon = await argon2Hash('s3cret-value', { algorithm: 2 });
  const bcryptDigest = await bcrypt.hash('s3cret-value', 10);
  for (const digest of [argon, bcryptDigest]) {
    assert.equal(await verifier.verify('s3cret-value', digest), true);
    assert.equal(await verifier.verify('wrong', digest), false);
  }
  const t = process.hrtime.bigint();
  assert.equal(await verifier.verify('s3cret-value', bcryptDigest), true);
  assert.ok(
    process.hrtime.bigint() - t < 5_000_000n,
    'the second check is answered from the cache',
  );
});

test('unknown and malformed digests verify nothing', async () => {
  const verifier = new ClientSecretVerifier();
  for (const digest of [
    'plaintext',
    '$md5$abc',
    '$argon2id$garbage',
    '$pbkdf2-sha512$0$a$b',
    '$sha256$short',
  ]) {
    assert.equal(await verifier.verify('plaintext', digest), false, digest);
  }
});
