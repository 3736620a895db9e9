import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module.js';
import { ConsentModule } from '../consent/consent.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { UsersModule } from '../users/users.module.js';
import { AuthorizationCodes } from './authorization-codes.js';
import { AuthorizationController } from './authorization.controller.js';
import { AuthorizationMetadata } from './authorization.metadata.js';
import { AuthorizationService } from './authorization.service.js';
import { Interactions } from './interactions.js';

/** `/authorize`, its sign-in steps, and the codes it hands to the token endpoint. */
@Module({
  imports: [ClientsModule, UsersModule, SessionsModule, ConsentModule],
  controllers: [AuthorizationController],
  providers: [AuthorizationCodes, AuthorizationService, Interactions, AuthorizationMetadata],
  exports: [AuthorizationCodes],
})
export class AuthorizationModule {}
