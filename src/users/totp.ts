import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import type { TotpAlgorithm } from '../config/environment.js';

/** RFC 6238 parameters (TOTP_*): `period` in seconds, `skew` in periods either side. */
export interface TotpSettings {
  algorithm: TotpAlgorithm;
  digits: number;
  period: number;
  skew: number;
}

/** Secret size as Authelia's `totp.secret_size` default: 32 bytes. */
export const TOTP_SECRET_BYTES = 32;
/** RFC 4226 §4 R6: at least 128 bits; an imported secret may be up to 512. */
export const MIN_TOTP_SECRET_BYTES = 16;
export const MAX_TOTP_SECRET_BYTES = 64;

export function generateTotpSecret(): Buffer {
  return randomBytes(TOTP_SECRET_BYTES);
}

/** RFC 4648 base32 without padding, as authenticator apps and otpauth:// URIs write it. */
export function base32Encode(bytes: Buffer): string {
  return secretOf(bytes).base32;
}

/**
 * Base32 as people copy it: any case, spaces between groups, with or without `=` padding.
 * Undefined for anything else (another alphabet, a length no byte string encodes to).
 */
export function base32Decode(text: string): Buffer | undefined {
  const match = /^([A-Z2-7]*)(=*)$/.exec(text.replace(/\s+/g, '').toUpperCase());
  if (!match) return undefined;
  const [, data, padding] = match;
  // 8 characters carry 5 bytes; 1, 3 and 6 characters left over carry no whole byte.
  if ([1, 3, 6].includes(data.length % 8)) return undefined;
  if (padding && (padding.length >= 8 || (data.length + padding.length) % 8 !== 0))
    return undefined;
  return Buffer.from(Secret.fromBase32(data).bytes);
}

/**
 * The time step a code belongs to, when it is valid for `secret` at `timestamp` within the
 * skew; undefined otherwise (including anything that is not a string of exactly `digits`
 * digits). The step is what makes a code single-use.
 */
export function matchTotp(
  secret: Buffer,
  code: unknown,
  settings: TotpSettings,
  timestamp: number,
): number | undefined {
  if (typeof code !== 'string' || code.length !== settings.digits || !/^\d+$/.test(code)) {
    return undefined;
  }
  const delta = TOTP.validate({
    token: code,
    secret: secretOf(secret),
    algorithm: settings.algorithm,
    digits: settings.digits,
    period: settings.period,
    timestamp,
    window: settings.skew,
  });
  if (delta === null) return undefined;
  return TOTP.counter({ period: settings.period, timestamp }) + delta;
}

/** The code for `timestamp` (for tests and enrolment checks). */
export function totpCode(secret: Buffer, settings: TotpSettings, timestamp: number): string {
  return TOTP.generate({
    secret: secretOf(secret),
    algorithm: settings.algorithm,
    digits: settings.digits,
    period: settings.period,
    timestamp,
  });
}

/** The `otpauth://totp/...` URI an authenticator app reads from a QR code. */
export function totpUri(
  secret: Buffer,
  settings: TotpSettings & { issuer: string },
  account: string,
): string {
  return new TOTP({
    issuer: settings.issuer,
    label: account,
    secret: secretOf(secret),
    algorithm: settings.algorithm,
    digits: settings.digits,
    period: settings.period,
  }).toString();
}

function secretOf(secret: Buffer): Secret {
  // A copy: Secret keeps the ArrayBuffer, which for a pooled Buffer holds other bytes too.
  return new Secret({ buffer: Uint8Array.from(secret).buffer });
}
