import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { PeriodicJobs, type PeriodicJob } from '../common/periodic-jobs.js';
import { SessionsService } from './sessions.service.js';

/** How often each instance deletes expired and idle sessions. */
export const SESSION_CLEANUP_INTERVAL_MS = 10 * 60_000;

/**
 * Deletes expired and idle sessions from time to time. Every instance runs it; batches skip
 * rows another instance is deleting, so running it on several at once is harmless. Expired
 * sessions are refused anyway: this only keeps the table small.
 */
@Injectable()
export class SessionCleanup implements OnModuleInit {
  private readonly logger = new Logger('Sessions');
  private readonly job: PeriodicJob<number>;

  constructor(
    @Inject(SessionsService) private readonly sessions: SessionsService,
    @Inject(PeriodicJobs) jobs: PeriodicJobs,
  ) {
    this.job = jobs.create({
      name: 'session-cleanup',
      schedule: { every: SESSION_CLEANUP_INTERVAL_MS },
      run: async () => {
        const deleted = await this.sessions.deleteExpired();
        if (deleted > 0) this.logger.log(`Deleted ${deleted} expired or idle sessions`);
        return deleted;
      },
    });
  }

  onModuleInit(): void {
    this.job.start();
  }

  /** One pass; how many sessions it deleted (undefined when one was under way, or it failed). */
  run(): Promise<number | undefined> {
    return this.job.run();
  }
}
