import { Global, Module } from '@nestjs/common';
import { HealthController } from './health.controller.js';
import { Outages } from './outages.js';

@Global()
@Module({ controllers: [HealthController], providers: [Outages], exports: [Outages] })
export class HealthModule {}
