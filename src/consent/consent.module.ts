import { Module } from '@nestjs/common';
import { PruningModule } from '../database/pruning.module.js';
import { ConsentPruning } from './consent-pruning.js';
import { ConsentService } from './consent.service.js';

/** Remembered consents per (user, client). */
@Module({
  imports: [PruningModule],
  providers: [ConsentService, ConsentPruning],
  exports: [ConsentService],
})
export class ConsentModule {}
