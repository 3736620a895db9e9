import { createHash, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

/** A DPoP key pair, as openid-client's `getDPoPHandle` takes it, and its public JWK. */
export interface DpopKey {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

export async function dpopKey(alg = 'ES256'): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, publicKey, jwk: await exportJWK(publicKey) };
}

/** base64url(SHA-256(token)): a proof's `ath` (RFC 9449 §4.2). */
export const ath = (token: string) => createHash('sha256').update(token).digest('base64url');

/**
 * A DPoP proof made by hand (RFC 9449 §4.2), for the cases a client library never sends: any
 * claim or header can be overridden, `undefined` leaves it out.
 */
export async function dpopProof(
  key: DpopKey,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
  alg = 'ES256',
): Promise<string> {
  const payload: Record<string, unknown> = {
    jti: randomUUID(),
    iat: Math.floor(Date.now() / 1000),
    ...claims,
  };
  for (const name of Object.keys(payload)) if (payload[name] === undefined) delete payload[name];
  return new SignJWT(payload)
    .setProtectedHeader({ alg, typ: 'dpop+jwt', jwk: key.jwk, ...header })
    .sign(key.privateKey);
}

/** An unsigned JWS (`alg: none`) with the given header and claims. */
export function unsignedProof(header: Record<string, unknown>, claims: Record<string, unknown>) {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${part(header)}.${part(claims)}.`;
}
