import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let offset = POOL_BYTES;

/**
 * `bytes` random bytes from the CSPRNG as base64url, for identifiers made on every request
 * (`jti`, codes). Drawn from a pool filled 4 KiB at a time, as Node does for `randomUUID`:
 * one call into OpenSSL per request costs more than the rest of the identifier.
 */
export function randomId(bytes = 16): string {
  if (bytes > POOL_BYTES) throw new RangeError(`randomId takes at most ${POOL_BYTES} bytes`);
  if (offset + bytes > POOL_BYTES) {
    pool = randomFillSync(Buffer.allocUnsafeSlow(POOL_BYTES));
    offset = 0;
  }
  const id = pool.toString('base64url', offset, offset + bytes);
  // Each byte is handed out once; wiping it keeps used randomness out of later heap dumps.
  pool.fill(0, offset, offset + bytes);
  offset += bytes;
  return id;
}
