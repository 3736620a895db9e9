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

test('no digest verifies nothing, yet runs a real argon2id check', async () => {
  const digest = await hashPassword('x');
  await verifyPassword('warm-up', null); // the dummy digest is made once
  // Interleaved and compared by median, so load on the machine hits both sides alike. Without
  // the dummy check an unknown user would answer ~1000 times faster; the bound only has to
  // tell "an argon2id check" from "none", not measure speed.
  const once = async (d: string | null) => {
    const start = process.hrtime.bigint();
    await verifyPassword('guess', d);
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  const real: number[] = [];
  const none: number[] = [];
  for (let i = 0; i < 7; i++) {
    real.push(await once(digest));
    none.push(await once(null));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  assert.equal(await verifyPassword('x', null), false);
  assert.equal(await verifyPassword('', undefined), false);
  const ratio = median(none) / median(real);
  assert.ok(ratio > 0.25 && ratio < 4, `unknown ${median(none)} ms vs known ${median(real)} ms`);
});

test('only slow digests may be imported: no plain text, no fast hashes', () => {
  for (const bad of ['hunter2', '$sha256$abc', '$plaintext$secret', '$1$md5$x', '']) {
    assert.equal(isPasswordDigest(bad), false, bad);
  }
  assert.equal(isPasswordDigest('$2b$12$' + 'a'.repeat(53)), true);
});
