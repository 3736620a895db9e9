import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { PeriodicJob } from '../common/periodic-jobs.js';
import { ADVISORY_LOCKS } from '../database/database.js';
import { Pruning } from '../database/pruning.js';

/**
 * Deletes refresh tokens that can no longer matter, PRUNING_RETENTION after they stopped
 * mattering (expired, their family ended, or revoked), and never while the access token issued
 * with them lives: until then the row is what a later revocation of the family denies it by,
 * and what the deny list is rebuilt from. A used token is kept until its own expiry: a replay
 * of it must still find it to revoke its family (RFC 9700 §4.14.2).
 */
@Injectable()
export class RefreshTokenPruning implements OnModuleInit {
  private readonly job: PeriodicJob<number>;

  constructor(@Inject(Pruning) pruning: Pruning) {
    this.job = pruning.job({
      name: 'refresh_tokens',
      table: 'refresh_tokens',
      where: `(expires_at <= $2 OR family_expires_at <= $2 OR revoked_at <= $2)
          AND (access_token_exp IS NULL OR access_token_exp <= $1)`,
      parameters: (now, retainedSince) => [now, retainedSince],
      advisoryLock: ADVISORY_LOCKS.pruneRefreshTokens,
    });
  }

  onModuleInit(): void {
    this.job.start();
  }

  /** One pass now: the rows it deleted (undefined when another instance held the lock). */
  run(): Promise<number | undefined> {
    return this.job.run();
  }
}
