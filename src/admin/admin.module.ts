import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module.js';
import { TokenModule } from '../token/token.module.js';
import { AdminClientBootstrap } from './admin-client.bootstrap.js';
import { AdminClientsController } from './admin-clients.controller.js';
import { AdminKeysController } from './admin-keys.controller.js';

/** The admin API under /admin, for bearer tokens of this provider with the admin scope. */
@Module({
  imports: [ClientsModule, TokenModule], // KeysModule is global
  controllers: [AdminClientsController, AdminKeysController],
  providers: [AdminClientBootstrap],
})
export class AdminModule {}
