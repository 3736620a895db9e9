import { AuditLog } from '../audit/audit-log.js';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { DataSource, type Repository } from 'typeorm';
import type { Client } from '../clients/client.entity.js';
import { CLOCK, systemClock, type Clock } from '../common/clock.js';
import { Consent } from './consent.entity.js';

/** What the user is asked to agree to: scopes, and claims named in a `claims` request. */
export interface ConsentRequest {
  userId: string;
  client: Client;
  scopes: string[];
  claims: string[];
  /** `prompt=consent`: ask whatever is remembered (Core §3.1.2.1). */
  forced: boolean;
}

/** Authelia's default `pre_configured_consent_duration`, one week; also for clients that set no mode. */
export const DEFAULT_CONSENT_DURATION_MS = 7 * 86_400_000;

/**
 * Consent per (user, client), in Authelia's modes: `explicit` asks every time, `implicit`
 * never asks, `pre-configured` remembers an answer for the client's duration. A client that
 * sets no mode (dynamically registered ones included) gets remembered consent for the default
 * duration, so `prompt=none` succeeds after a first consent. Asking for more than was granted
 * asks again.
 */
@Injectable()
export class ConsentService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
    @Optional() @Inject(AuditLog) private readonly audit?: AuditLog,
  ) {}

  private get repository(): Repository<Consent> {
    return this.dataSource.getRepository(Consent);
  }

  /** Whether the user must be asked now. */
  async needed(request: ConsentRequest): Promise<boolean> {
    const mode = request.client.metadata.consent_mode;
    if (request.forced) return true;
    if (mode === 'implicit') return false;
    if (mode === 'explicit') return true;
    const consent = await this.current(request.userId, request.client.clientId);
    if (!consent) return true;
    return (
      !request.scopes.every((s) => consent.scopes.includes(s)) ||
      !request.claims.every((c) => consent.claims.includes(c))
    );
  }

  /** Records a granted consent, when the client's mode remembers one; earlier grants still valid are kept. */
  async remember(request: Omit<ConsentRequest, 'forced'>): Promise<void> {
    const duration = this.durationFor(request.client);
    if (duration === undefined) return;
    const now = new Date(this.clock.now());
    // One row per (user, client); a grant still in force is widened, an expired one replaced.
    // Done in one statement so concurrent grants on several instances lose nothing. "In force"
    // is as of this grant's time (the provider's clock), not the database's now().
    const merge = (column: string) =>
      `${column} = CASE WHEN consents.expires_at > EXCLUDED.granted_at
         THEN ARRAY(SELECT DISTINCT unnest(consents.${column} || EXCLUDED.${column}))
         ELSE EXCLUDED.${column} END`;
    await this.dataSource.query(
      `INSERT INTO consents (user_id, client_id, scopes, claims, granted_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (user_id, client_id) DO UPDATE SET
         ${merge('scopes')}, ${merge('claims')},
         granted_at = EXCLUDED.granted_at, expires_at = EXCLUDED.expires_at`,
      [
        request.userId,
        request.client.clientId,
        dedupe(request.scopes),
        dedupe(request.claims),
        now,
        new Date(now.getTime() + duration),
      ],
    );
    await this.audit?.record({
      type: 'consent.granted',
      actor: 'user',
      userId: request.userId,
      clientId: request.client.clientId,
      detail: { scopes: dedupe(request.scopes), claims: dedupe(request.claims) },
    });
  }

  /** The user's consents still in force. */
  list(userId: string): Promise<Consent[]> {
    return this.repository
      .createQueryBuilder('c')
      .where('c.user_id = :userId AND c.expires_at > :now', {
        userId,
        now: new Date(this.clock.now()),
      })
      .orderBy('c.granted_at', 'DESC')
      .getMany();
  }

  /** Forgets a consent; true if there was one. */
  async revoke(userId: string, clientId: string): Promise<boolean> {
    const result = await this.repository.delete({ userId, clientId });
    const revoked = (result.affected ?? 0) > 0;
    if (revoked) await this.audit?.record({ type: 'consent.revoked', userId, clientId });
    return revoked;
  }

  private async current(userId: string, clientId: string): Promise<Consent | undefined> {
    const consent = await this.repository.findOne({ where: { userId, clientId } });
    return consent && consent.expiresAt.getTime() > this.clock.now() ? consent : undefined;
  }

  /** Milliseconds a grant is remembered for this client; undefined when it is not remembered. */
  private durationFor(client: Client): number | undefined {
    const { consent_mode: mode, pre_configured_consent_duration: duration } = client.metadata;
    if (mode === 'explicit' || mode === 'implicit') return undefined;
    if (mode === 'pre-configured') return duration ?? DEFAULT_CONSENT_DURATION_MS;
    return DEFAULT_CONSENT_DURATION_MS;
  }
}

function dedupe(values: string[]): string[] {
  return [...new Set(values)];
}
