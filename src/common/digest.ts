import { createHash } from 'node:crypto';

/**
 * SHA-256 of a text, base64url: how an opaque secret (code, token, cookie, handle) or a
 * personal value (user name, address) is kept as a key without keeping the value itself.
 */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}
