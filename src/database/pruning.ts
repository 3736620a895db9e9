import { Metrics } from '../metrics/metrics.js';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CLOCK, systemClock, type Clock } from '../common/clock.js';
import { PeriodicJobs, type PeriodicJob } from '../common/periodic-jobs.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

/** A pass stops after this many batches; the next pass goes on where it stopped. */
const MAX_BATCHES_PER_PASS = 100;

export interface PruneRule {
  /** The job's name, in logs and metrics: the table it prunes. */
  name: string;
  table: string;
  /** The rows to delete, as SQL over the table's columns with `parameters`. */
  where: string;
  /** The parameters of `where` for a pass at `now`, whose retention ended at `retainedSince`. */
  parameters: (now: Date, retainedSince: Date) => unknown[];
  /** Its id in ADVISORY_LOCKS. */
  advisoryLock: number;
}

/**
 * Deletes the rows a table no longer needs, for the service that owns the table: in batches
 * of PRUNING_BATCH_SIZE (each its own statement, skipping rows being changed meanwhile), under
 * the rule's advisory lock so one instance prunes a table at a time. Rows deleted are counted
 * per table, for the metrics.
 */
@Injectable()
export class Pruning {
  private readonly logger = new Logger('Pruning');
  private readonly totals = new Map<string, number>();

  constructor(
    @Inject(PeriodicJobs) private readonly jobs: PeriodicJobs,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
    @Optional() @Inject(Metrics) metrics?: Metrics,
  ) {
    metrics?.onScrape(() => {
      for (const [table, rows] of this.totals) metrics.pruned.set({ table }, rows);
    });
  }

  /** Rows deleted since start, by rule name. */
  get pruned(): ReadonlyMap<string, number> {
    return this.totals;
  }

  /** The rule's job, scheduled every PRUNING_INTERVAL once started; `run()` is one pass now. */
  job(rule: PruneRule): PeriodicJob<number> {
    this.totals.set(rule.name, 0);
    return this.jobs.create({
      name: `prune-${rule.name}`,
      schedule: { every: this.config.pruning.interval },
      advisoryLock: rule.advisoryLock,
      run: () => this.pass(rule),
    });
  }

  private async pass(rule: PruneRule): Promise<number> {
    const { batchSize, retention } = this.config.pruning;
    const now = this.clock.now();
    const parameters = rule.parameters(new Date(now), new Date(now - retention));
    let total = 0;
    for (let batch = 0; batch < MAX_BATCHES_PER_PASS; batch++) {
      const [, deleted]: [unknown, number] = await this.dataSource.query(
        `DELETE FROM ${rule.table} WHERE id IN (
           SELECT id FROM ${rule.table} WHERE ${rule.where}
            LIMIT ${batchSize} FOR UPDATE SKIP LOCKED)`,
        parameters,
      );
      total += deleted;
      this.totals.set(rule.name, (this.totals.get(rule.name) ?? 0) + deleted);
      if (deleted < batchSize) break;
    }
    if (total > 0) this.logger.log(`Pruned ${total} rows of ${rule.table}`);
    return total;
  }
}
