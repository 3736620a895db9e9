import { randomId } from './random-id.js';

/** 256 bits as base64url without padding: 43 characters of `A-Z a-z 0-9 - _`. */
const HANDLE = /^[A-Za-z0-9_-]{43}$/;

/**
 * A new opaque handle: 256 bits from the CSPRNG (RFC 6749 §10.10, RFC 9700 §4.1.1: unguessable),
 * for codes, refresh tokens, registration access tokens, interaction and session ids and CSRF
 * tokens. The server keeps a handle's SHA-256 (`common/digest.ts`) where it stores one.
 */
export function newHandle(): string {
  return randomId(32);
}

/** Whether a presented value can be a handle at all: checked before any lookup. */
export function isHandle(value: unknown): value is string {
  return typeof value === 'string' && HANDLE.test(value);
}
