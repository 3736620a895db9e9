import {
  createHash,
  createHmac,
  pbkdf2,
  randomBytes,
  randomInt,
  timingSafeEqual,
} from 'node:crypto';
import { promisify } from 'node:util';
import { verify as argon2Verify } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';

const pbkdf2Async = promisify(pbkdf2);

/** RFC 3986 unreserved characters: safe in forms, Basic credentials and URLs alike. */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~';
/** 48 characters of a 66-letter alphabet: 48 × log2(66) ≈ 290 bits. */
const SECRET_LENGTH = 48;

/** A new client secret, shown once to whoever registers the client. */
export function generateClientSecret(): string {
  let secret = '';
  for (let i = 0; i < SECRET_LENGTH; i++) secret += ALPHABET[randomInt(ALPHABET.length)];
  return secret;
}

/**
 * The stored form of a generated secret. A secret with 290 random bits needs no slow hash:
 * SHA-256 resists inversion, and the check costs microseconds on the token endpoint.
 */
export function digestClientSecret(secret: string): string {
  return `$sha256$${createHash('sha256').update(secret).digest('base64url')}`;
}

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

function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Checks a presented secret against a stored digest. Generated secrets are compared by
 * SHA-256 in constant time; imported digests (argon2id, bcrypt, pbkdf2) are slow by design,
 * so their successful checks are remembered for a few minutes.
 */
export class ClientSecretVerifier {
  private readonly cacheKey = randomBytes(32);
  private readonly verified = new Map<string, number>();

  constructor(
    private readonly ttlMs = 5 * 60_000,
    private readonly maxEntries = 10_000,
  ) {}

  async verify(secret: string, digest: string): Promise<boolean> {
    const kind = digestKind(digest);
    if (kind === 'sha256') return sameDigest(digestClientSecret(secret), digest);
    if (kind === undefined) return false;

    // Keyed by an HMAC under a per-process key: the cache holds no usable form of the secret.
    const key = createHmac('sha256', this.cacheKey)
      .update(digest)
      .update('\0')
      .update(secret)
      .digest('base64url');
    const until = this.verified.get(key);
    if (until !== undefined && until > Date.now()) return true;

    let ok: boolean;
    try {
      if (kind === 'argon2id') ok = await argon2Verify(digest, secret);
      else if (kind === 'bcrypt') ok = await bcrypt.compare(secret, digest);
      else ok = await verifyPbkdf2(secret, digest);
    } catch {
      ok = false; // a malformed digest verifies nothing
    }
    if (ok) {
      if (this.verified.size >= this.maxEntries)
        this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(key, Date.now() + this.ttlMs);
    }
    return ok;
  }
}
