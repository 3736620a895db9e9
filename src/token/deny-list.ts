import { Inject, Injectable, Logger, Optional, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ShortLivedStore } from '../cache/short-lived-store.js';
import { CLOCK, systemClock, type Clock } from '../common/clock.js';
import { DependencyUnavailable } from '../common/errors/unavailable.js';
import { PeriodicJobs, type PeriodicJob } from '../common/periodic-jobs.js';
import { ADVISORY_LOCKS } from '../database/database.js';
import { Pruning } from '../database/pruning.js';

/** Marks a store that holds the whole deny list; gone when Redis lost its data. */
const LOADED_KEY = 'deny-list:loaded';
/** The marker outlives any deployment; Redis losing its data is what removes it. */
const LOADED_TTL_MS = 10 * 365 * 86_400_000;
/** Denials written to the store at once while restoring. */
const RESTORE_CHUNK = 500;
/** How often each instance copies the denials of the last while again (see `reconcile`). */
const RECONCILE_EVERY_MS = 30_000;

const deniedKey = (jti: string) => `revoked-at:${jti}`;

/**
 * The revoked-access-token deny list. Each denial is written to Postgres, then to the shared
 * store, which answers every check. When the store comes back empty (a Redis restart without
 * persistence, a flush), its marker is gone: checks answer 503 instead of "not denied" while
 * the list is restored from Postgres, so a revoked token is never active again, not even for
 * a moment. A denial whose copy to the store failed (Redis away just then) is copied by the
 * next reconciliation, within RECONCILE_EVERY_MS. Rows go when the token would have expired
 * anyway (pruning).
 */
@Injectable()
export class DenyList implements OnModuleInit {
  private readonly logger = new Logger('DenyList');
  private restoring?: Promise<number>;
  private readonly pruning: PeriodicJob<number>;
  private readonly reconciliation: PeriodicJob<number>;
  /** Denials created since this instant (minus a margin) are copied by the next pass. */
  private reconciledUpTo: number;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ShortLivedStore) private readonly store: ShortLivedStore,
    @Inject(Pruning) pruning: Pruning,
    @Inject(PeriodicJobs) jobs: PeriodicJobs,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
  ) {
    this.pruning = pruning.job({
      name: 'access_token_denials',
      table: 'access_token_denials',
      where: 'expires_at <= $1',
      parameters: (now) => [now],
      advisoryLock: ADVISORY_LOCKS.pruneAccessTokenDenials,
    });
    this.reconciledUpTo = this.clock.now();
    this.reconciliation = jobs.create({
      name: 'deny-list-reconciliation',
      schedule: { every: RECONCILE_EVERY_MS },
      run: () => this.reconcile(),
    });
  }

  async onModuleInit(): Promise<void> {
    if ((await this.store.get(LOADED_KEY)) === null) await this.restore();
    this.pruning.start();
    this.reconciliation.start();
  }

  /** Denies the token until `exp` (seconds since the epoch), durably first. */
  async deny(jti: string, exp: number): Promise<void> {
    const ttlMs = exp * 1000 - this.clock.now();
    if (ttlMs <= 0) return;
    await this.dataSource.query(
      `INSERT INTO access_token_denials (jti, expires_at, created_at) VALUES ($1, $2, $3)
       ON CONFLICT (jti) DO NOTHING`,
      [jti, new Date(exp * 1000), new Date(this.clock.now())],
    );
    await this.store.put(deniedKey(jti), '1', ttlMs + 1000);
  }

  /**
   * Whether the token is denied. While the store does not hold the whole list, throws
   * `DependencyUnavailable` (a 503) and restores it.
   */
  async isDenied(jti: string): Promise<boolean> {
    // Sent together: the Redis client pipelines commands issued in one tick.
    const [denied, loaded] = await Promise.all([
      this.store.get(deniedKey(jti)),
      this.store.get(LOADED_KEY),
    ]);
    if (denied !== null) return true;
    if (loaded !== null) return false;
    void this.restore().catch(() => {
      // Logged by the outage log of the request that meets it next.
    });
    throw new DependencyUnavailable(
      'cache',
      new Error('the deny list is being restored from Postgres'),
    );
  }

  /** Copies every live denial from Postgres to the store, then marks it whole; how many. */
  restore(): Promise<number> {
    this.restoring ??= this.load().finally(() => {
      this.restoring = undefined;
    });
    return this.restoring;
  }

  /**
   * Copies the denials created since the last pass (and a minute before, for clocks and
   * transactions that land late) to the store again: one whose copy failed is there now.
   */
  async reconcile(): Promise<number> {
    const now = this.clock.now();
    const rows: DenialRow[] = await this.dataSource.query(
      `SELECT jti, expires_at FROM access_token_denials WHERE created_at >= $1 AND expires_at > $2`,
      [new Date(this.reconciledUpTo - 60_000), new Date(now)],
    );
    await this.copy(rows, now);
    this.reconciledUpTo = now;
    return rows.length;
  }

  private async load(): Promise<number> {
    const now = this.clock.now();
    const rows: DenialRow[] = await this.dataSource.query(
      `SELECT jti, expires_at FROM access_token_denials WHERE expires_at > $1`,
      [new Date(now)],
    );
    await this.copy(rows, now);
    await this.store.put(LOADED_KEY, String(now), LOADED_TTL_MS);
    if (rows.length > 0) {
      this.logger.log(`Deny list restored from Postgres: ${rows.length} revoked access tokens`);
    }
    return rows.length;
  }

  private async copy(rows: DenialRow[], now: number): Promise<void> {
    for (let i = 0; i < rows.length; i += RESTORE_CHUNK) {
      await Promise.all(
        rows
          .slice(i, i + RESTORE_CHUNK)
          .map((row) =>
            this.store.put(
              deniedKey(row.jti),
              '1',
              new Date(row.expires_at).getTime() - now + 1000,
            ),
          ),
      );
    }
  }
}

interface DenialRow {
  jti: string;
  expires_at: Date;
}
