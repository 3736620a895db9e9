import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module.js';
import { TokenModule } from '../token/token.module.js';
import { UsersModule } from '../users/users.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { AdminClientBootstrap } from './admin-client.bootstrap.js';
import { AdminClientsController } from './admin-clients.controller.js';
import { AdminKeysController } from './admin-keys.controller.js';
import { AdminSessionsController } from './admin-sessions.controller.js';
import { AdminUsersController } from './admin-users.controller.js';
import { AdminConsentsController } from './admin-consents.controller.js';
import { ResourcesModule } from '../resources/resources.module.js';
import { AdminResourcesController } from './admin-resources.controller.js';
import { AdminAuditController } from './admin-audit.controller.js';
import { ConsentModule } from '../consent/consent.module.js';

/** The admin API under /admin, for bearer tokens of this provider with the admin scope. */
@Module({
  imports: [
    ClientsModule,
    TokenModule,
    UsersModule,
    SessionsModule,
    ConsentModule,
    ResourcesModule,
  ], // KeysModule is global
  controllers: [
    AdminClientsController,
    AdminKeysController,
    AdminUsersController,
    AdminConsentsController,
    AdminSessionsController,
    AdminResourcesController,
    AdminAuditController,
  ],
  providers: [AdminClientBootstrap],
})
export class AdminModule {}
