import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { PeriodicJob } from '../common/periodic-jobs.js';
import { ADVISORY_LOCKS } from '../database/database.js';
import { Pruning } from '../database/pruning.js';

/** Deletes consents PRUNING_RETENTION after they expired (an expired one is never used). */
@Injectable()
export class ConsentPruning implements OnModuleInit {
  private readonly job: PeriodicJob<number>;

  constructor(@Inject(Pruning) pruning: Pruning) {
    this.job = pruning.job({
      name: 'consents',
      table: 'consents',
      where: 'expires_at <= $1',
      parameters: (_now, retainedSince) => [retainedSince],
      advisoryLock: ADVISORY_LOCKS.pruneConsents,
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
