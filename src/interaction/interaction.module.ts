import { Module } from '@nestjs/common';
import { AuthorizationCoreModule } from '../authorization/authorization-core.module.js';
import { ClientsModule } from '../clients/clients.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { UsersModule } from '../users/users.module.js';
import { DeviceVerificationController } from './device-verification.controller.js';
import { InteractionController } from './interaction.controller.js';
import { InteractionPages } from './interaction-pages.js';
import { Interactions } from './interactions.js';

/**
 * The sign-in steps of an authorization request (and of a device's, from its verification
 * page) and the interaction state they share.
 */
@Module({
  imports: [AuthorizationCoreModule, SessionsModule, UsersModule, ClientsModule],
  controllers: [InteractionController, DeviceVerificationController],
  providers: [Interactions, InteractionPages],
  exports: [Interactions],
})
export class InteractionModule {}
