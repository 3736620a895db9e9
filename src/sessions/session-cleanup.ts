import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { PeriodicJob } from '../common/periodic-jobs.js';
import { ADVISORY_LOCKS } from '../database/database.js';
import { Pruning } from '../database/pruning.js';
import { SESSION_OVER, SessionsService } from './sessions.service.js';

/**
 * Prunes the tables of this module every PRUNING_INTERVAL: sessions as soon as they are over
 * (expired or idle; they are refused anyway, this keeps the table small), and back-channel
 * deliveries PRUNING_RETENTION after they were queued (the worker deletes each once delivered
 * or given up; this catches what an outage kept it from deleting).
 */
@Injectable()
export class SessionCleanup implements OnModuleInit {
  private readonly sessionsJob: PeriodicJob<number>;
  private readonly deliveriesJob: PeriodicJob<number>;

  constructor(
    @Inject(SessionsService) sessions: SessionsService,
    @Inject(Pruning) pruning: Pruning,
  ) {
    this.sessionsJob = pruning.job({
      name: 'sessions',
      table: 'sessions',
      where: SESSION_OVER,
      parameters: (now) => sessions.overParameters(now),
      advisoryLock: ADVISORY_LOCKS.pruneSessions,
    });
    this.deliveriesJob = pruning.job({
      name: 'backchannel_deliveries',
      table: 'backchannel_deliveries',
      where: 'created_at <= $1',
      parameters: (_now, retainedSince) => [retainedSince],
      advisoryLock: ADVISORY_LOCKS.pruneBackchannelDeliveries,
    });
  }

  onModuleInit(): void {
    this.sessionsJob.start();
    this.deliveriesJob.start();
  }

  /** One pass of each now: the sessions and deliveries deleted (undefined: not run). */
  async run(): Promise<{ sessions?: number; deliveries?: number }> {
    const [sessions, deliveries] = await Promise.all([
      this.sessionsJob.run(),
      this.deliveriesJob.run(),
    ]);
    return { sessions, deliveries };
  }
}
