import { createHmac, hkdfSync, randomBytes } from 'node:crypto';

/**
 * What people type (user names, login hints) reaches the logs only as a short keyed digest:
 * a password typed into the user-name field must not land in a log, yet one person's failed
 * attempts still read as one name across log lines and instances. The key is derived from
 * KEYS_ENCRYPTION_SECRET at start-up, so every instance writes the same digest for the same
 * text, and a dictionary of user names cannot be run against the logs without the secret.
 */
let key: Buffer = randomBytes(32);

/** Called once at start-up with the deployment's KEYS_ENCRYPTION_SECRET. */
export function setLogDigestKey(secret: string): void {
  key = Buffer.from(hkdfSync('sha256', secret, 'openid-provider', 'log digests', 32));
}

/** `#` and 12 base64url characters (72 bits): enough to tell names apart, too short to invert. */
export function logDigest(text: string): string {
  return `#${createHmac('sha256', key).update(text).digest('base64url').slice(0, 12)}`;
}
