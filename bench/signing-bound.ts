/**
 * The physical bound: signatures per second on one core with the provider's own signing code
 * (SigningService over keys imported as the key ring imports them), no HTTP. Run pinned to
 * the server's core by bench/run.ts; prints JSON.
 */
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey } from 'jose';
import type { SigningAlg } from '../src/config/environment.js';
import type { KeysService } from '../src/keys/keys.service.js';
import { SigningService } from '../src/keys/signing.service.js';

const SECONDS = Number(process.env.BOUND_SECONDS ?? 3);
/** As many signatures in flight as the load generator has connections. */
const CONCURRENCY = 10;

async function signaturesPerSecond(alg: SigningAlg): Promise<number> {
  const pair = await generateKeyPair(alg, { extractable: true, modulusLength: 2048 });
  // Imported from a JWK, as src/keys/key-ring.ts does.
  const privateKey = (await importJWK(await exportJWK(pair.privateKey), alg)) as CryptoKey;
  const ring = { active: () => ({ kid: 'bench', privateKey }) };
  const signing = new SigningService({ ring } as unknown as KeysService);
  const claims = () => {
    const iat = Math.floor(Date.now() / 1000);
    return {
      iss: 'http://127.0.0.1:8080',
      sub: 'bench-basic',
      aud: 'https://orders.example',
      client_id: 'bench-basic',
      scope: 'orders:read',
      jti: randomBytes(16).toString('base64url'),
      iat,
      exp: iat + 3600,
    };
  };
  const sign = () => signing.sign(claims(), { alg, typ: 'at+jwt' });
  for (let i = 0; i < 50; i++) await sign(); // warm-up
  let count = 0;
  const until = performance.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) {
        await sign();
        count++;
      }
    }),
  );
  return count / SECONDS;
}

async function main(): Promise<void> {
  const result: Record<string, number> = {};
  for (const alg of ['RS256', 'PS256', 'ES256', 'EdDSA'] as const) {
    result[alg] = await signaturesPerSecond(alg);
  }
  process.stdout.write(JSON.stringify(result));
}

void main();
