import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { User } from '../users/user.entity.js';

/** A browser login session. The cookie holds a signed random id; this row only its digest. */
@Entity({ name: 'sessions' })
export class Session {
  /**
   * The base64url SHA-256 digest of the cookie's random id. Safe to show (it gives no cookie):
   * the `sid` of ID tokens and logout tokens.
   */
  @PrimaryColumn({ type: 'text' })
  id: string;

  @Column({ type: 'uuid', name: 'user_id' })
  userId: string;

  /** Deleting a user ends their sessions. */
  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'sessions_user_id_fkey' })
  user?: User;

  /** When the user last authenticated actively (OpenID Connect `auth_time`). */
  @Column({ type: 'timestamptz', name: 'auth_time' })
  authTime: Date;

  /** RFC 8176 authentication method references of that authentication. */
  @Column({ type: 'text', array: true })
  amr: string[];

  @Column({ type: 'text' })
  acr: string;

  /** Client ids that received tokens in this session, for logout. */
  @Column({ type: 'text', array: true })
  clients: string[];

  /** Chosen "remember me": the longer lifetime and no idle timeout. */
  @Column({ type: 'boolean', name: 'remember_me' })
  rememberMe: boolean;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  /** The last use, written back at most once a minute. */
  @Column({ type: 'timestamptz', name: 'last_seen_at' })
  lastSeenAt: Date;

  /** The absolute expiry. */
  @Column({ type: 'timestamptz', name: 'expires_at' })
  expiresAt: Date;
}
