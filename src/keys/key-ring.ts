import { createPrivateKey } from 'node:crypto';
import { importJWK, type CryptoKey, type JWK } from 'jose';
import type { SigningAlg } from '../config/environment.js';
import type { KeyStatus, SigningKey } from './signing-key.entity.js';

/** A stored key imported once into `CryptoKey`s, ready to sign and verify. */
export interface LoadedKey {
  kid: string;
  alg: SigningAlg;
  status: Exclude<KeyStatus, 'revoked'>;
  publicJwk: JWK;
  publicKey: CryptoKey;
  privateKey: CryptoKey;
  /** The moment the key started signing, or null for `next`. */
  activatedAt: Date | null;
}

/**
 * An immutable snapshot of the usable keys. Building one reuses the imported keys of the
 * previous snapshot, so a reload parses only keys it has not seen.
 */
export class KeyRing {
  static readonly empty = new KeyRing([]);

  private readonly byKid: Map<string, LoadedKey>;
  private readonly activeByAlg = new Map<SigningAlg, LoadedKey>();
  /** The JWKS document, serialised once per snapshot. */
  readonly jwksJson: string;
  /** The algorithms of the published keys. */
  readonly algorithms: SigningAlg[];

  private constructor(readonly keys: LoadedKey[]) {
    this.byKid = new Map(keys.map((k) => [k.kid, k]));
    for (const key of keys) if (key.status === 'active') this.activeByAlg.set(key.alg, key);
    // Next first, then active, then retired: all are published; order is cosmetic.
    this.jwksJson = JSON.stringify({ keys: keys.map((k) => k.publicJwk) });
    this.algorithms = [...new Set(keys.map((k) => k.alg))];
  }

  static async build(
    rows: SigningKey[],
    decrypt: (row: SigningKey) => Buffer,
    previous: KeyRing = KeyRing.empty,
  ): Promise<KeyRing> {
    const keys = await Promise.all(
      rows
        .filter((row) => row.status !== 'revoked')
        .map(async (row): Promise<LoadedKey> => {
          const known = previous.byKid.get(row.kid);
          const imported = known ?? (await importKeyPair(row, decrypt(row)));
          return {
            ...imported,
            status: row.status as LoadedKey['status'],
            activatedAt: row.activatedAt,
            publicJwk: row.publicJwk,
          };
        }),
    );
    return new KeyRing(keys);
  }

  active(alg: SigningAlg): LoadedKey | undefined {
    return this.activeByAlg.get(alg);
  }

  /** A published key by `kid`, whatever its state: `next`, `active` or `retired`. */
  published(kid: string): LoadedKey | undefined {
    return this.byKid.get(kid);
  }
}

async function importKeyPair(
  row: SigningKey,
  pkcs8: Buffer,
): Promise<Omit<LoadedKey, 'status' | 'activatedAt'>> {
  const privateJwk = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({
    format: 'jwk',
  }) as JWK;
  const [privateKey, publicKey] = await Promise.all([
    importJWK(privateJwk, row.alg) as Promise<CryptoKey>,
    importJWK({ ...row.publicJwk, x5c: undefined }, row.alg) as Promise<CryptoKey>,
  ]);
  return { kid: row.kid, alg: row.alg, publicJwk: row.publicJwk, publicKey, privateKey };
}
