import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { ProfileClaims } from './user-claims.js';

export type UserOrigin = 'admin' | 'seed' | 'cli' | 'demo';

@Entity({ name: 'users' })
export class User {
  /** Also the public `sub` of the user (Core §2): stable when the username changes. */
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Unique without regard to case; shown as `preferred_username`. */
  @Column({ type: 'text' })
  username: string;

  /** argon2id for passwords set here; imported argon2id, bcrypt or pbkdf2 digests kept as given. */
  @Column({ type: 'text', name: 'password_digest', nullable: true })
  passwordDigest: string | null;

  /** The SHA-256 (hex) of the imported digest a sign-in re-hashed to argon2id; null otherwise. */
  @Column({ type: 'text', name: 'password_rehashed_from', nullable: true })
  passwordRehashedFrom: string | null;

  @Column({ type: 'boolean', default: false })
  disabled: boolean;

  /** The standard claims of OpenID Connect Core §5.1 other than `sub`. */
  @Column({ type: 'jsonb' })
  claims: ProfileClaims;

  @Column({ type: 'jsonb' })
  groups: string[];

  /** RFC 6238 shared secret, encrypted under KEYS_ENCRYPTION_SECRET. */
  @Column({ type: 'bytea', name: 'totp_secret_encrypted', nullable: true })
  totpSecretEncrypted: Buffer | null;

  @Column({ type: 'text' })
  origin: UserOrigin;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' })
  updatedAt: Date;
}
