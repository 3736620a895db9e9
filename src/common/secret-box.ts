import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class DecryptionError extends Error {}

/** What a key derived from KEYS_ENCRYPTION_SECRET is for; each purpose gets its own key. */
export type KeyPurpose = 'signing-keys' | 'client-secrets' | 'totp' | 'session-cookies';

/**
 * A 256-bit key for one purpose and one use, derived (HKDF-SHA256) from KEYS_ENCRYPTION_SECRET,
 * so a key of one purpose tells nothing about another's.
 */
export function deriveKey(secret: string, purpose: KeyPurpose, use: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, `openid-provider/${purpose}`, use, 32));
}

/**
 * Secrets at rest (private keys, HMAC client secrets): AES-256-GCM under a key derived
 * (HKDF-SHA256) from KEYS_ENCRYPTION_SECRET, one key per purpose. The row's identity is bound
 * as additional data, so a ciphertext moved to another row does not decrypt.
 * Layout: version (1) | iv (12) | tag (16) | ciphertext.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(
    secret: string,
    purpose: Exclude<KeyPurpose, 'session-cookies'>,
    /** Names what failed to decrypt, from the additional data, for the error message. */
    private readonly describe: (aad: string) => string,
  ) {
    this.key = deriveKey(secret, purpose, 'aes-256-gcm v1');
  }

  encrypt(plaintext: Buffer, kid: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(kid));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), ciphertext]);
  }

  decrypt(sealed: Buffer, kid: string): Buffer {
    if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== VERSION) {
      throw new DecryptionError(`${this.describe(kid)}: unknown encryption format`);
    }
    const iv = sealed.subarray(1, 1 + IV_BYTES);
    const tag = sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAAD(Buffer.from(kid));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([
        decipher.update(sealed.subarray(1 + IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      throw new DecryptionError(
        `${this.describe(kid)} cannot be decrypted: KEYS_ENCRYPTION_SECRET differs from the one it was stored under`,
      );
    }
  }
}
