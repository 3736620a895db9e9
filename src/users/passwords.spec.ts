import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword, isPasswordDigest, verifyPassword } from './passwords.js';

const AUTHELIA_PBKDF2 =
  '$pbkdf2-sha512$310000$c8p78n7pUMln0jzvd4aK4Q$JNRBzwAo0ek5qKn50cFzzvE9RXV88h1wJn5KGiHrD0YKtZaR/nCb2CJPOsKaPK0hjf.9yHxzQGZziziccp6Yng';

test('passwords are hashed with argon2id at OWASP parameters', async () => {
  const digest = await hashPassword('correct horse battery staple');
  assert.match(digest, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  assert.equal(await verifyPassword('correct horse battery staple', digest), true);
  assert.equal(await verifyPassword('correct horse battery stapler', digest), false);
  assert.notEqual(await hashPassword('same'), await hashPassword('same'), 'salted');
});

test("Authelia's digests are accepted as they are", async () => {
  assert.equal(isPasswordDigest(AUTHELIA_PBKDF2), true);
  assert.equal(await verifyPassword('insecure_secret', AUTHELIA_PBKDF2), true);
  assert.equal(await verifyPassword('insecure', AUTHELIA_PBKDF2), false);
});

test('no digest verifies nothing, and takes about as long as a real check', async () => {
  const digest = await hashPassword('x');
  await verifyPassword('warm-up', null); // the dummy digest is made once
  const time = async (d: string | null) => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < 5; i++) await verifyPassword('guess', d);
    return Number(process.hrtime.bigint() - start) / 5e6;
  };
  const real = await time(digest);
  const none = await time(null);
  assert.equal(await verifyPassword('x', null), false);
  assert.equal(await verifyPassword('', undefined), false);
  assert.ok(none > real * 0.5 && none < real * 2, `unknown ${none} ms vs known ${real} ms`);
});

test('only slow digests may be imported: no plain text, no fast hashes', () => {
  for (const bad of ['hunter2', '$sha256$abc', '$plaintext$secret', '$1$md5$x', '']) {
    assert.equal(isPasswordDigest(bad), false, bad);
  }
  assert.equal(isPasswordDigest('$2b$12$' + 'a'.repeat(53)), true);
});
