import { Module } from '@nestjs/common';
import { ConsentService } from './consent.service.js';

/** Remembered consents per (user, client). */
@Module({
  providers: [ConsentService],
  exports: [ConsentService],
})
export class ConsentModule {}
