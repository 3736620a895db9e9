import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A pending Back-Channel Logout delivery: one logout token for one client. Rows leave the
 * table when the client accepted the token or the last attempt failed.
 */
@Entity({ name: 'backchannel_deliveries' })
@Index('backchannel_deliveries_due', ['nextAttemptAt'])
export class BackchannelDelivery {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text', name: 'client_id' })
  clientId: string;

  /** The client's `backchannel_logout_uri` when the session ended. */
  @Column({ type: 'text' })
  uri: string;

  /** The user whose session ended; the token's `sub` is derived per client at send time. */
  @Column({ type: 'uuid', name: 'user_id' })
  userId: string;

  /** The ended session's id: the token's `sid`. */
  @Column({ type: 'text' })
  sid: string;

  /** Attempts started so far (a claim counts one before the POST). */
  @Column({ type: 'integer', default: 0 })
  attempts: number;

  /** When the next attempt is due; while an attempt runs, when its lease ends. */
  @Column({ type: 'timestamptz', name: 'next_attempt_at' })
  nextAttemptAt: Date;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;
}
