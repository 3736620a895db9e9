import { randomBytes } from 'node:crypto';

/** RFC 4648 §6. */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** RFC 4226 §4 R6: at least 128 bits; 160 recommended, the HMAC-SHA-1 block most apps expect. */
export const MIN_TOTP_SECRET_BYTES = 16;
export const TOTP_SECRET_BYTES = 20;
export const MAX_TOTP_SECRET_BYTES = 64;

/** Base32 without padding, as authenticator apps and otpauth:// URIs write it. */
export function base32Encode(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/**
 * Base32 as people copy it: any case, spaces between groups, with or without `=` padding.
 * Undefined for anything else (another alphabet, a length no byte string encodes to).
 */
export function base32Decode(text: string): Buffer | undefined {
  const compact = text.replace(/\s+/g, '').toUpperCase();
  const match = /^([A-Z2-7]*)(=*)$/.exec(compact);
  if (!match) return undefined;
  const [, data, padding] = match;
  // 8 characters carry 5 bytes; 1, 3 and 6 characters left over carry no whole byte.
  if ([1, 3, 6].includes(data.length % 8)) return undefined;
  if (padding && (padding.length >= 8 || (data.length + padding.length) % 8 !== 0)) {
    return undefined;
  }
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of data) {
    value = ((value << 5) | ALPHABET.indexOf(char)) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(bytes);
}

/** A new RFC 6238 shared secret. */
export function generateTotpSecret(): Buffer {
  return randomBytes(TOTP_SECRET_BYTES);
}

/**
 * The Key URI an authenticator app scans (Google Authenticator's "Key Uri Format"), with the
 * RFC 6238 defaults spelt out: HMAC-SHA-1, 6 digits, 30-second steps.
 */
export function otpauthUri(secret: Buffer, account: string, issuer: string): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  const params = new URLSearchParams({
    secret: base32Encode(secret),
    issuer,
    algorithm: 'SHA1',
    digits: '6',
    period: '30',
  });
  return `otpauth://totp/${label}?${params.toString()}`;
}
