/** The least length of every secret the environment gives: keys secret, admin secret, tokens. */
export const MIN_SECRET_LENGTH = 32;

/** Development-only default; refused in production. */
export const DEVELOPMENT_KEYS_ENCRYPTION_SECRET =
  'development-only-keys-encryption-secret-not-for-production';

const PLACEHOLDER =
  /change[-_ ]?me|changeme|placeholder|example|^x+$|^(.)\1+$|development-only|insecure|replace/i;

/** A value copied from an example rather than generated: refused in production. */
export function looksLikePlaceholder(secret: string): boolean {
  return PLACEHOLDER.test(secret);
}
