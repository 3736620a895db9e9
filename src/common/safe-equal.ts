import { timingSafeEqual } from 'node:crypto';

/** Compares two secrets (CSRF tokens, digests) in constant time for strings of one length. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
