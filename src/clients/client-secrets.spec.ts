import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hash as argon2Hash } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';
import { verifySlowDigest } from '../common/password-digests.js';
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

test('a repeated wrong secret costs no second hash, and failures cannot push out a success', async () => {
  let hashes = 0;
  const counting = (secret: string, digest: string) => {
    hashes++;
    return verifySlowDigest(secret, digest);
  };
  const verifier = new ClientSecretVerifier(60_000, 3, counting);
  const digest = await bcrypt.hash('right-secret', 4);
  assert.equal(await verifier.verify('right-secret', digest), true);
  assert.equal(await verifier.verify('wrong-secret', digest), false);
  assert.equal(await verifier.verify('wrong-secret', digest), false);
  assert.equal(hashes, 2, 'the repeated wrong secret was answered from memory');
  // More distinct wrong secrets than the memo holds: the success is still remembered.
  for (let i = 0; i < 5; i++) assert.equal(await verifier.verify(`wrong-${i}`, digest), false);
  hashes = 0;
  assert.equal(await verifier.verify('right-secret', digest), true);
  assert.equal(hashes, 0);
});

test('without slow hashes (a limited client) only remembered outcomes count', async () => {
  let hashes = 0;
  const counting = (secret: string, digest: string) => {
    hashes++;
    return verifySlowDigest(secret, digest);
  };
  const verifier = new ClientSecretVerifier(60_000, 100, counting);
  const digest = await bcrypt.hash('right-secret', 4);
  assert.equal(await verifier.verify('right-secret', digest, { slowHash: false }), false);
  assert.equal(hashes, 0, 'nothing remembered, nothing hashed');
  assert.equal(await verifier.verify('right-secret', digest), true);
  assert.equal(await verifier.verify('right-secret', digest, { slowHash: false }), true);
  assert.equal(hashes, 1);
  // Generated secrets cost microseconds: they are checked even for a limited client.
  const secret = generateClientSecret();
  assert.equal(
    await verifier.verify(secret, digestClientSecret(secret), { slowHash: false }),
    true,
  );
});
