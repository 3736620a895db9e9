import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { JWK } from 'jose';
import type { SigningAlg } from '../config/environment.js';

/** `next` → `active` → `retired` → removed; `revoked` leaves the JWKS at once. */
export type KeyStatus = 'next' | 'active' | 'retired' | 'revoked';

@Entity({ name: 'signing_keys' })
export class SigningKey {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** RFC 7638 thumbprint of the public key. */
  @Column({ type: 'text', unique: true })
  kid: string;

  @Column({ type: 'text' })
  alg: SigningAlg;

  @Column({ type: 'text' })
  status: KeyStatus;

  @Column({ type: 'text' })
  origin: 'generated' | 'imported';

  /** Public members only. */
  @Column({ type: 'jsonb', name: 'public_jwk' })
  publicJwk: JWK;

  /** PKCS#8 DER under AES-256-GCM; null once revoked. */
  @Column({ type: 'bytea', name: 'private_key_encrypted', nullable: true })
  privateKeyEncrypted: Buffer | null;

  /** Certificate chain, base64 DER, first certificate for this key (RFC 7517 §4.7). */
  @Column({ type: 'jsonb', nullable: true })
  x5c: string[] | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @Column({ type: 'timestamptz', name: 'activated_at', nullable: true })
  activatedAt: Date | null;

  @Column({ type: 'timestamptz', name: 'retired_at', nullable: true })
  retiredAt: Date | null;

  /** When a retired key leaves the JWKS: retirement plus the retention period. */
  @Column({ type: 'timestamptz', name: 'remove_after', nullable: true })
  removeAfter: Date | null;

  @Column({ type: 'timestamptz', name: 'revoked_at', nullable: true })
  revokedAt: Date | null;
}
