import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module.js';
import { UsersModule } from '../users/users.module.js';
import { DemoSeed } from './demo-seed.js';

/** The demo user and client of the embedded default (DEMO_SEED). */
@Module({
  imports: [ClientsModule, UsersModule],
  providers: [DemoSeed],
})
export class DemoModule {}
