import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A user's remembered consent for one client: what it covers and until when. */
@Entity({ name: 'consents' })
export class Consent {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid', name: 'user_id' })
  userId: string;

  @Column({ type: 'text', name: 'client_id' })
  clientId: string;

  /** Scopes consented to. */
  @Column({ type: 'text', array: true })
  scopes: string[];

  /** Claims consented to by name through the `claims` request parameter (Core §5.5). */
  @Column({ type: 'text', array: true })
  claims: string[];

  @Column({ type: 'timestamptz', name: 'granted_at' })
  grantedAt: Date;

  @Column({ type: 'timestamptz', name: 'expires_at' })
  expiresAt: Date;
}
