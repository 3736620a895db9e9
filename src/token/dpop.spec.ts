import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { MemoryStore } from '../cache/memory.store.js';
import { OAuthError } from '../common/errors/oauth-error.js';
import type { AppConfig } from '../config/app-config.js';
import { DpopProofs } from './dpop.js';

const URL_ = 'https://id.example.com/token';
const CONFIG = {
  issuer: 'https://id.example.com',
  keys: { encryptionSecret: 'a-test-secret-of-more-than-32-characters' },
  dpop: { proofWindow: 60_000, nonce: false },
} as AppConfig;
const proofs = () => new DpopProofs(new MemoryStore(), CONFIG);

async function proof(alg: string, jwk?: JWK, claims: Record<string, unknown> = {}) {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const key = jwk ?? (await exportJWK(publicKey));
  const jws = await new SignJWT({ htm: 'POST', htu: URL_, jti: crypto.randomUUID(), ...claims })
    .setIssuedAt()
    .setProtectedHeader({ alg, typ: 'dpop+jwt', jwk: key })
    .sign(privateKey);
  return { jws, key };
}

const at = (dpop: string, url = URL_) =>
  proofs().atTokenEndpoint({ headers: { dpop }, method: 'POST', url });

const refused = (description: string) => (e: unknown) =>
  e instanceof OAuthError &&
  e.error === 'invalid_dpop_proof' &&
  e.status === 400 &&
  e.description === description;

test('every supported algorithm gives the RFC 7638 thumbprint of the proof key', async () => {
  for (const alg of ['ES256', 'PS256', 'RS256', 'EdDSA']) {
    const { jws, key } = await proof(alg);
    assert.deepEqual(await at(jws), { jkt: await calculateJwkThumbprint(key) }, alg);
  }
});

test('no DPoP header is no proof', async () => {
  assert.equal(
    await proofs().atTokenEndpoint({ headers: {}, method: 'POST', url: URL_ }),
    undefined,
  );
});

test('an RSA key with a huge exponent or modulus is refused before any verification', async () => {
  const { key } = await proof('RS256');
  for (const jwk of [
    { ...key, e: Buffer.alloc(64, 0xff).toString('base64url') },
    { ...key, n: Buffer.alloc(2048, 0xff).toString('base64url') },
  ]) {
    const { jws } = await proof('RS256', jwk);
    await assert.rejects(at(jws), refused('The DPoP proof jwk is an RSA key of unreasonable size'));
  }
});

test('a key that does not fit the alg is refused', async () => {
  const { key } = await proof('ES256');
  const { privateKey } = await generateKeyPair('RS256');
  const jws = await new SignJWT({ htm: 'POST', htu: URL_, jti: 'j' })
    .setIssuedAt()
    .setProtectedHeader({ alg: 'RS256', typ: 'dpop+jwt', jwk: key })
    .sign(privateKey);
  await assert.rejects(at(jws), refused('The DPoP proof signature or key is invalid'));
});

test('htu: the URL as reached, or the same path on the issuer, after normalisation', async () => {
  const behindProxy = 'http://10.0.0.7:3000/token';
  assert.ok(await at((await proof('ES256')).jws, behindProxy), 'the advertised URL');
  for (const htu of ['HTTPS://ID.EXAMPLE.COM:443/token', 'https://id.example.com/./token?q#f'])
    assert.ok(await at((await proof('ES256', undefined, { htu })).jws), htu);
  for (const htu of [
    'https://id.example.com/token/',
    'https://user@id.example.com/token',
    'ftp://id.example.com/token',
    'https://other.example.com/token',
  ])
    await assert.rejects(
      at((await proof('ES256', undefined, { htu })).jws),
      refused('The DPoP proof htu does not name this endpoint'),
      htu,
    );
});
