import { pbkdf2, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { verify as argon2Verify } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';

const pbkdf2Async = promisify(pbkdf2);

export type DigestKind = 'sha256' | 'argon2id' | 'bcrypt' | 'pbkdf2';

/** Recognises the stored digest formats; undefined for anything else. */
export function digestKind(digest: string): DigestKind | undefined {
  if (/^\$sha256\$[A-Za-z0-9_-]{43}$/.test(digest)) return 'sha256';
  if (digest.startsWith('$argon2id$')) return 'argon2id';
  if (/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(digest)) return 'bcrypt';
  if (/^\$pbkdf2(-sha256|-sha512)?\$\d+\$[./A-Za-z0-9+]+\$[./A-Za-z0-9+]+$/.test(digest))
    return 'pbkdf2';
  return undefined;
}

/** Passlib's "adapted base64" that Authelia writes: `.` for `+`, no padding. */
function ab64(text: string): Buffer {
  return Buffer.from(text.replace(/\./g, '+'), 'base64');
}

async function verifyPbkdf2(secret: string, digest: string): Promise<boolean> {
  const [, scheme, rounds, salt, hash] = digest.split('$');
  const algorithm = scheme === 'pbkdf2' ? 'sha1' : scheme.slice('pbkdf2-'.length);
  const iterations = Number(rounds);
  if (!Number.isSafeInteger(iterations) || iterations < 1 || iterations > 10_000_000) return false;
  const expected = ab64(hash);
  const derived = await pbkdf2Async(secret, ab64(salt), iterations, expected.length, algorithm);
  return timingSafeEqual(derived, expected);
}

/**
 * Checks a secret or password against a slow digest (argon2id, bcrypt, or pbkdf2 as Authelia
 * writes it). A malformed digest verifies nothing; it never throws.
 */
export async function verifySlowDigest(secret: string, digest: string): Promise<boolean> {
  try {
    const kind = digestKind(digest);
    if (kind === 'argon2id') return await argon2Verify(digest, secret);
    if (kind === 'bcrypt') return await bcrypt.compare(secret, digest);
    if (kind === 'pbkdf2') return await verifyPbkdf2(secret, digest);
    return false;
  } catch {
    return false;
  }
}
