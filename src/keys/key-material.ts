import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { promisify } from 'node:util';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { SigningAlg } from '../config/environment.js';

const generate = promisify(generateKeyPair);

export class KeyOperationError extends Error {}

/** A key pair ready to be stored: the private key as PKCS#8 DER, the public one as a JWK. */
export interface KeyMaterial {
  alg: SigningAlg;
  kid: string;
  privateKeyDer: Buffer;
  /** Public members only, with `kid`, `use`, `alg` and, for imported chains, `x5c`/`x5t#S256`. */
  publicJwk: JWK;
  x5c: string[] | null;
}

export async function generateKeyMaterial(
  alg: SigningAlg,
  rsaModulusLength: number,
): Promise<KeyMaterial> {
  let privateKey: KeyObject;
  if (alg === 'RS256' || alg === 'PS256') {
    ({ privateKey } = await generate('rsa', { modulusLength: rsaModulusLength }));
  } else if (alg === 'ES256') {
    ({ privateKey } = await generate('ec', { namedCurve: 'P-256' }));
  } else {
    ({ privateKey } = await generate('ed25519'));
  }
  return describe(alg, privateKey, null);
}

/** The algorithms a key can serve, the first being the default for an import. */
function algorithmsFor(key: KeyObject): SigningAlg[] {
  const type = key.asymmetricKeyType;
  if (type === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048)
      throw new KeyOperationError(`RSA keys must have at least 2048 bits (this one has ${bits})`);
    return ['RS256', 'PS256'];
  }
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve !== 'prime256v1')
      throw new KeyOperationError(`EC keys must be on P-256 for ES256 (this one is on ${curve})`);
    return ['ES256'];
  }
  if (type === 'ed25519') return ['EdDSA'];
  throw new KeyOperationError(
    `Unsupported key type ${type}: use RSA (2048 bits or more), EC P-256 or Ed25519`,
  );
}

/**
 * Reads an operator's private key PEM and optional certificate chain (PEM, leaf first). The
 * first certificate must hold this key's public key, every certificate must be within its
 * validity dates, and each must be issued by the next one.
 */
export async function importKeyMaterial(
  privateKeyPem: string,
  options: { alg?: SigningAlg; chainPem?: string; now?: Date } = {},
): Promise<KeyMaterial> {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: privateKeyPem, format: 'pem' });
  } catch {
    throw new KeyOperationError('The key file is not a readable, unencrypted private key PEM');
  }
  const allowed = algorithmsFor(privateKey);
  const alg = options.alg ?? allowed[0];
  if (!allowed.includes(alg)) {
    throw new KeyOperationError(
      `A ${privateKey.asymmetricKeyType} key cannot sign ${alg}; it can sign ${allowed.join(', ')}`,
    );
  }
  const x5c = options.chainPem
    ? verifyChain(privateKey, options.chainPem, options.now ?? new Date())
    : null;
  return describe(alg, privateKey, x5c);
}

function splitPem(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

function verifyChain(privateKey: KeyObject, chainPem: string, now: Date): string[] {
  const blocks = splitPem(chainPem);
  if (blocks.length === 0)
    throw new KeyOperationError('The certificate chain holds no PEM certificate');
  const certs = blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch {
      throw new KeyOperationError(`Certificate ${i + 1} of the chain cannot be parsed`);
    }
  });
  const publicDer = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const leafDer = certs[0].publicKey.export({ format: 'der', type: 'spki' });
  if (!publicDer.equals(leafDer)) {
    throw new KeyOperationError(
      'The first certificate of the chain does not match the private key',
    );
  }
  certs.forEach((cert, i) => {
    if (now < new Date(cert.validFrom) || now > new Date(cert.validTo)) {
      throw new KeyOperationError(
        `Certificate ${i + 1} of the chain (${cert.subject.replace(/\n/g, ', ')}) is not valid now: valid from ${cert.validFrom} to ${cert.validTo}`,
      );
    }
    const issuer = certs[i + 1];
    if (issuer && !(cert.checkIssued(issuer) && cert.verify(issuer.publicKey))) {
      throw new KeyOperationError(
        `Certificate ${i + 1} of the chain is not issued by certificate ${i + 2}`,
      );
    }
  });
  return certs.map((c) => c.raw.toString('base64'));
}

async function describe(
  alg: SigningAlg,
  privateKey: KeyObject,
  x5c: string[] | null,
): Promise<KeyMaterial> {
  const exported = createPublicKey(privateKey).export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(exported, 'sha256');
  const publicJwk: JWK = { ...exported, kid, use: 'sig', alg };
  if (x5c) {
    publicJwk.x5c = x5c;
    // RFC 7517 §4.9
    publicJwk['x5t#S256'] = createHash('sha256')
      .update(Buffer.from(x5c[0], 'base64'))
      .digest('base64url');
  }
  return {
    alg,
    kid,
    privateKeyDer: privateKey.export({ format: 'der', type: 'pkcs8' }),
    publicJwk,
    x5c,
  };
}
