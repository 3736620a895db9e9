import { LRUCache } from 'lru-cache';
import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { sha256 } from '../common/digest.js';
import { digestKind, verifySlowDigest } from '../common/password-digests.js';
import { safeEqual } from '../common/safe-equal.js';

export { digestKind, type DigestKind } from '../common/password-digests.js';

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
  return `$sha256$${sha256(secret)}`;
}

/**
 * Checks a presented secret against a stored digest. Generated secrets are compared by
 * SHA-256 in constant time; imported digests (argon2id, bcrypt, pbkdf2) are slow by design,
 * so their outcomes are remembered for a few minutes: a success so a client's next request
 * costs no hash, and a failure so repeating a wrong secret costs none either. Failures are
 * kept apart from successes, so a flood of wrong secrets cannot push a client's success out.
 */
export class ClientSecretVerifier {
  private readonly cacheKey = randomBytes(32);
  private readonly succeeded: LRUCache<string, true>;
  private readonly failed: LRUCache<string, true>;

  constructor(
    ttlMs = 5 * 60_000,
    maxEntries = 10_000,
    private readonly slowVerify = verifySlowDigest,
  ) {
    // Sliding for successes: a client in steady use never pays the hash again.
    this.succeeded = new LRUCache({ max: maxEntries, ttl: ttlMs, updateAgeOnGet: true });
    this.failed = new LRUCache({ max: maxEntries, ttl: ttlMs });
  }

  /**
   * True when the secret matches. With `slowHash: false` (the client is being limited), a
   * slow digest is checked only against what is remembered, and is false otherwise.
   */
  async verify(
    secret: string,
    digest: string,
    { slowHash = true }: { slowHash?: boolean } = {},
  ): Promise<boolean> {
    const kind = digestKind(digest);
    if (kind === 'sha256') return safeEqual(digestClientSecret(secret), digest);
    if (kind === undefined) return false;

    // Keyed by an HMAC under a per-process key: the memo holds no usable form of the secret.
    const key = createHmac('sha256', this.cacheKey)
      .update(digest)
      .update('\0')
      .update(secret)
      .digest('base64url');
    // Sliding: a client in steady use never pays the hash again, even while it is limited.
    if (this.succeeded.get(key)) return true;
    if (this.failed.has(key) || !slowHash) return false;

    const ok = await this.slowVerify(secret, digest);
    (ok ? this.succeeded : this.failed).set(key, true);
    return ok;
  }
}
