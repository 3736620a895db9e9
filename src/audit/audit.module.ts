import { Global, Module } from '@nestjs/common';
import { PruningModule } from '../database/pruning.module.js';
import { AuditLog } from './audit-log.js';

/** The audit log, for every module that records an event. */
@Global()
@Module({ imports: [PruningModule], providers: [AuditLog], exports: [AuditLog] })
export class AuditModule {}
