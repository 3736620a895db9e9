import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { SessionsService } from './sessions.service.js';

/** How often each instance deletes expired and idle sessions. */
export const SESSION_CLEANUP_INTERVAL_MS = 10 * 60_000;
const JOB = 'session-cleanup';

/**
 * Deletes expired and idle sessions from time to time. Every instance runs it; batches skip
 * rows another instance is deleting, so running it on several at once is harmless. Expired
 * sessions are refused anyway: this only keeps the table small.
 */
@Injectable()
export class SessionCleanup implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Sessions');
  private running = false;

  constructor(
    @Inject(SessionsService) private readonly sessions: SessionsService,
    @Inject(SchedulerRegistry) private readonly scheduler: SchedulerRegistry,
  ) {}

  onModuleInit(): void {
    const timer = setInterval(() => void this.run(), SESSION_CLEANUP_INTERVAL_MS).unref();
    this.scheduler.addInterval(JOB, timer);
  }

  onApplicationShutdown(): void {
    if (this.scheduler.doesExist('interval', JOB)) this.scheduler.deleteInterval(JOB);
  }

  /** One pass; returns how many sessions it deleted (undefined when one was already running). */
  async run(): Promise<number | undefined> {
    if (this.running) return undefined;
    this.running = true;
    try {
      const deleted = await this.sessions.deleteExpired();
      if (deleted > 0) this.logger.log(`Deleted ${deleted} expired or idle sessions`);
      return deleted;
    } catch (e) {
      this.logger.error(e);
      return undefined;
    } finally {
      this.running = false;
    }
  }
}
