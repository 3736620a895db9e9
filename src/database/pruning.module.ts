import { Module } from '@nestjs/common';
import { PeriodicJobsModule } from '../common/periodic-jobs.module.js';
import { Pruning } from './pruning.js';

/** `Pruning`, for the modules that own a table to prune. */
@Module({
  imports: [PeriodicJobsModule],
  providers: [Pruning],
  exports: [Pruning],
})
export class PruningModule {}
