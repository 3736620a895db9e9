import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { PeriodicJobs } from './periodic-jobs.js';

/** The one way background jobs are written (`PeriodicJobs`); needs the global DatabaseModule. */
@Module({
  imports: [ScheduleModule.forRoot()],
  providers: [PeriodicJobs],
  exports: [PeriodicJobs],
})
export class PeriodicJobsModule {}
