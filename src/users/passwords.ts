import { hash } from '@node-rs/argon2';
import { generateClientSecret } from '../clients/client-secrets.js';
import { digestKind, verifySlowDigest } from '../common/password-digests.js';

/**
 * argon2id at OWASP's recommended minimum (Password Storage Cheat Sheet: m=19 MiB, t=2, p=1):
 * about 30 ms per hash here, which bounds logins by design, not the token endpoint.
 */
const ARGON2_OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

/**
 * Whether a stored digest is anything but the provider's own argon2id: imported bcrypt, PBKDF2
 * or other argon2 parameters take another time to check, which tells imported accounts apart,
 * so they are re-hashed at the next successful sign-in.
 */
export function needsRehash(digest: string): boolean {
  const { memoryCost: m, timeCost: t, parallelism: p } = ARGON2_OPTIONS;
  return !digest.startsWith(`$argon2id$v=19$m=${m},t=${t},p=${p}$`);
}

/**
 * A password for someone to type once and change: 24 characters of the client-secret
 * alphabet (RFC 3986 unreserved), about 145 bits. Shown once by whoever generated it.
 */
export function generatePassword(): string {
  return generateClientSecret().slice(0, 24);
}

/** Digests a users file or the admin API may import as they are. */
export function isPasswordDigest(digest: string): boolean {
  const kind = digestKind(digest);
  return kind === 'argon2id' || kind === 'bcrypt' || kind === 'pbkdf2';
}

let dummyDigest: Promise<string> | undefined;

/**
 * Checks a password. With no digest (an unknown user, or one without a password) it still
 * spends the time of a real check, so the answer's timing does not tell which it was.
 */
export async function verifyPassword(
  password: string,
  digest: string | null | undefined,
): Promise<boolean> {
  if (!digest) {
    dummyDigest ??= hashPassword('an unguessable dummy password for timing');
    await verifySlowDigest(password, await dummyDigest);
    return false;
  }
  return verifySlowDigest(password, digest);
}
