import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module.js';
import { InteractionModule } from '../interaction/interaction.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { AuthorizationCoreModule } from './authorization-core.module.js';
import { AuthorizationController } from './authorization.controller.js';
import { PushedAuthorizationController } from './pushed-authorization.controller.js';
import { DeviceAuthorizationController } from './device-authorization.controller.js';
import { DpopProofs } from '../token/dpop.js';

/**
 * `/authorize` and `/par`: their services (AuthorizationCoreModule, which the token endpoint shares for the
 * codes) and the interaction whose pages it hands the browser to.
 */
@Module({
  imports: [AuthorizationCoreModule, InteractionModule, SessionsModule, ClientsModule],
  controllers: [
    AuthorizationController,
    PushedAuthorizationController,
    DeviceAuthorizationController,
  ],
  // The token module's proof checker, stateless but for the shared store: also for /par.
  providers: [DpopProofs],
  exports: [AuthorizationCoreModule],
})
export class AuthorizationModule {}
