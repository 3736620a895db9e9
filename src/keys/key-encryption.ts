import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class KeyDecryptionError extends Error {}

/**
 * Private keys at rest: AES-256-GCM under a key derived (HKDF-SHA256) from
 * KEYS_ENCRYPTION_SECRET. The key id is bound as additional data, so a ciphertext moved to
 * another row does not decrypt. Layout: version (1) | iv (12) | tag (16) | ciphertext.
 */
export class KeyEncryption {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(
      hkdfSync('sha256', secret, 'openid-provider/signing-keys', 'aes-256-gcm v1', 32),
    );
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
      throw new KeyDecryptionError(`Signing key ${kid}: unknown encryption format`);
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
      throw new KeyDecryptionError(
        `Signing key ${kid} cannot be decrypted: KEYS_ENCRYPTION_SECRET differs from the one it was stored under`,
      );
    }
  }
}
