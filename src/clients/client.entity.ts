import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { ClientMetadata, MetadataSource } from './client-metadata.js';

/** Where a client came from: who submitted its metadata, or the demo seed of the embedded default. */
export type ClientOrigin = MetadataSource | 'demo';

@Entity({ name: 'clients' })
export class Client {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text', name: 'client_id', unique: true })
  clientId: string;

  /** Validated, normalised metadata (see ClientMetadata). */
  @Column({ type: 'jsonb' })
  metadata: ClientMetadata;

  /** Digest of the secret (`$sha256$…` or an imported argon2id / bcrypt / pbkdf2 digest). */
  @Column({ type: 'text', name: 'secret_digest', nullable: true })
  secretDigest: string | null;

  /** client_secret_jwt needs the secret itself as an HMAC key: kept under SecretBox. */
  @Column({ type: 'bytea', name: 'secret_encrypted', nullable: true })
  secretEncrypted: Buffer | null;

  /** During a rotation's overlap window, the previous secret still works until this moment. */
  @Column({ type: 'text', name: 'previous_secret_digest', nullable: true })
  previousSecretDigest: string | null;

  @Column({ type: 'bytea', name: 'previous_secret_encrypted', nullable: true })
  previousSecretEncrypted: Buffer | null;

  @Column({ type: 'timestamptz', name: 'previous_secret_expires_at', nullable: true })
  previousSecretExpiresAt: Date | null;

  /** RFC 7592: digest of the registration access token of a dynamically registered client. */
  @Column({ type: 'text', name: 'registration_token_digest', nullable: true })
  registrationTokenDigest: string | null;

  @Column({ type: 'text' })
  origin: ClientOrigin;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' })
  updatedAt: Date;
}
