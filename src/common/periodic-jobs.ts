import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { Database } from '../database/database.js';

export interface PeriodicJobOptions<T> {
  /** Its name in the SchedulerRegistry and in log lines. */
  name: string;
  /** Milliseconds between passes, or a cron expression (in the server's time zone). */
  schedule: { every: number } | { cron: string };
  /** One pass. A failure is logged and the next pass runs as scheduled. */
  run: () => Promise<T>;
  /**
   * An id from ADVISORY_LOCKS for a job only one instance may run at a time: a pass holds it,
   * and an instance that finds it taken skips its pass. Without it every instance runs each.
   */
  advisoryLock?: number;
}

/**
 * Creates the server's periodic jobs and stops them all before the application closes its
 * database and store, waiting for passes under way.
 */
@Injectable()
export class PeriodicJobs implements BeforeApplicationShutdown {
  private readonly jobs = new Set<PeriodicJob<unknown>>();

  constructor(
    @Inject(SchedulerRegistry) private readonly scheduler: SchedulerRegistry,
    @Inject(Database) private readonly database: Database,
  ) {}

  /** A job that runs when asked (`run`, `kick`), and on its schedule once `start`ed. */
  create<T>(options: PeriodicJobOptions<T>): PeriodicJob<T> {
    const job = new PeriodicJob(options, this.scheduler, this.database);
    this.jobs.add(job);
    return job;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([...this.jobs].map((job) => job.stop()));
  }
}

/**
 * One periodic job. Passes never overlap in this process: `run()` while a pass is under way
 * does nothing, `kick()` (and each tick of the schedule) asks for one more pass right after it.
 */
export class PeriodicJob<T> {
  private readonly logger = new Logger('PeriodicJobs');
  private running?: Promise<T | undefined>;
  private again = false;
  private stopped = false;

  constructor(
    private readonly options: PeriodicJobOptions<T>,
    private readonly scheduler: SchedulerRegistry,
    private readonly database: Database,
  ) {}

  get name(): string {
    return this.options.name;
  }

  /** Starts the schedule: an unref'd timer, registered under the job's name. */
  start(): void {
    const { name, schedule } = this.options;
    if ('every' in schedule) {
      const timer = setInterval(() => this.kick(), schedule.every).unref();
      this.scheduler.addInterval(name, timer);
    } else {
      const job = CronJob.from({
        cronTime: schedule.cron,
        onTick: () => this.kick(),
        start: true,
        unrefTimeout: true,
      });
      this.scheduler.addCronJob(name, job);
    }
  }

  /**
   * One pass now. Resolves with its result, or undefined when it did not run (a pass was
   * under way, another instance held the lock, the job is stopped) or failed (logged).
   */
  run(): Promise<T | undefined> {
    if (this.stopped || this.running) return Promise.resolve(undefined);
    this.running = this.pass().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
    return this.running;
  }

  /** A pass now, or right after the one under way; kicks meanwhile make one pass, not many. */
  kick(): void {
    if (this.running) this.again = true;
    else void this.run();
  }

  /** No pass starts from now on; resolves when the one under way has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    const { name } = this.options;
    if (this.scheduler.doesExist('interval', name)) this.scheduler.deleteInterval(name);
    if (this.scheduler.doesExist('cron', name)) this.scheduler.deleteCronJob(name);
    await this.running;
  }

  private async pass(): Promise<T | undefined> {
    const { name, run, advisoryLock } = this.options;
    try {
      if (advisoryLock === undefined) return await run();
      const outcome = await this.database.ifLockFree(advisoryLock, run);
      return outcome.ran ? outcome.result : undefined;
    } catch (e) {
      // One line per failed pass: a job failing every few seconds must not flood the log with stacks.
      this.logger.warn(
        `Periodic job ${name} failed: ${e instanceof Error ? e.message : String(e)}`,
      );
      return undefined;
    }
  }
}
