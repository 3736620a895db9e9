import { Inject, Injectable, Logger, Optional, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CLOCK, systemClock, type Clock } from '../common/clock.js';
import type { PeriodicJob } from '../common/periodic-jobs.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { ADVISORY_LOCKS } from '../database/database.js';
import { Pruning } from '../database/pruning.js';
import { outageOf } from '../common/errors/unavailable.js';
import { Outages } from '../health/outages.js';

/** What happened. Types are stable names: filters and alerts use them. */
export type AuditType =
  | 'login.success'
  | 'login.failure'
  | 'login.locked'
  | 'logout'
  | 'consent.granted'
  | 'consent.revoked'
  | 'refresh_token.reuse'
  | 'admin.action'
  | 'key.created'
  | 'key.promoted'
  | 'key.retired'
  | 'key.removed'
  | 'key.revoked';

export interface AuditEvent {
  type: AuditType;
  /** Who did it: an admin client id, `user`, or `system`. */
  actor?: string;
  userId?: string | null;
  clientId?: string | null;
  /** The client address's unit (IPv4, or IPv6 /64), as the logs give it. */
  address?: string;
  /** Never a secret, a token or what a person typed. */
  detail?: Record<string, unknown>;
}

export interface StoredAuditEvent {
  id: string;
  at: string;
  type: AuditType;
  actor: string | null;
  user_id: string | null;
  client_id: string | null;
  address: string | null;
  detail: Record<string, unknown>;
}

export interface AuditQuery {
  type?: string;
  userId?: string;
  clientId?: string;
  since?: Date;
  until?: Date;
  limit: number;
  /** The `next` of the previous page: events older than it. */
  after?: string;
}

/**
 * Audit events in Postgres (`audit_events`), newest first, pruned after AUDIT_RETENTION.
 * Recording never fails the action it records: a failed write is logged and dropped.
 */
@Injectable()
export class AuditLog implements OnModuleInit {
  private readonly logger = new Logger('Audit');
  private readonly pruning: PeriodicJob<number>;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(Pruning) pruning: Pruning,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
    @Optional() @Inject(Outages) private readonly outages?: Outages,
  ) {
    this.pruning = pruning.job({
      name: 'audit_events',
      table: 'audit_events',
      where: 'at <= $1',
      parameters: (now) => [new Date(now.getTime() - config.audit.retention)],
      advisoryLock: ADVISORY_LOCKS.pruneAuditEvents,
    });
  }

  onModuleInit(): void {
    this.pruning.start();
  }

  /** One pass of the pruning now: the events deleted (undefined: not run). */
  prune(): Promise<number | undefined> {
    return this.pruning.run();
  }

  async record(event: AuditEvent): Promise<void> {
    try {
      await this.dataSource.query(
        `INSERT INTO audit_events (at, type, actor, user_id, client_id, address, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          new Date(this.clock.now()),
          event.type,
          event.actor ?? null,
          event.userId ?? null,
          event.clientId ?? null,
          event.address ?? null,
          JSON.stringify(event.detail ?? {}),
        ],
      );
    } catch (e) {
      // While Postgres is away the outage log speaks for it, once, not a line per event.
      const dependency = outageOf(e);
      if (dependency && this.outages) this.outages.report(dependency, e);
      else this.logger.warn(`Audit event ${event.type} not recorded: ${(e as Error).message}`);
    }
  }

  async list(query: AuditQuery): Promise<{ events: StoredAuditEvent[]; next?: string }> {
    const conditions: string[] = [];
    const parameters: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      parameters.push(value);
      conditions.push(sql.replace('?', `$${parameters.length}`));
    };
    if (query.type !== undefined) add('type = ?', query.type);
    if (query.userId !== undefined) add('user_id = ?', query.userId);
    if (query.clientId !== undefined) add('client_id = ?', query.clientId);
    if (query.since !== undefined) add('at >= ?', query.since);
    if (query.until !== undefined) add('at < ?', query.until);
    if (query.after !== undefined) add('id < ?', query.after);
    parameters.push(query.limit + 1);
    const rows: (Omit<StoredAuditEvent, 'at' | 'id'> & { id: string; at: Date })[] =
      await this.dataSource.query(
        `SELECT id::text AS id, at, type, actor, user_id, client_id, address, detail
           FROM audit_events ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
          ORDER BY audit_events.id DESC LIMIT $${parameters.length}`,
        parameters,
      );
    const events = rows
      .slice(0, query.limit)
      .map((row) => ({ ...row, at: new Date(row.at).toISOString() }));
    return {
      events,
      ...(rows.length > query.limit && { next: events[events.length - 1].id }),
    };
  }
}
