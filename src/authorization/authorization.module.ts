import { ResourcesModule } from '../resources/resources.module.js';
import { RateLimitsModule } from '../rate-limits/rate-limits.module.js';
import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module.js';
import { InteractionModule } from '../interaction/interaction.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { AuthorizationCoreModule } from './authorization-core.module.js';
import { AuthorizationController } from './authorization.controller.js';
import { PushedAuthorizationController } from './pushed-authorization.controller.js';
import { DeviceAuthorizationController } from './device-authorization.controller.js';
import { DpopModule } from '../token/dpop.module.js';

/**
 * `/authorize`, `/par` and `/device_authorization`: their services (AuthorizationCoreModule,
 * which the token endpoint shares for the codes) and the interaction whose pages it hands the
 * browser to.
 */
@Module({
  imports: [
    AuthorizationCoreModule,
    InteractionModule,
    SessionsModule,
    ClientsModule,
    DpopModule,
    ResourcesModule,
    RateLimitsModule,
  ],
  controllers: [
    AuthorizationController,
    PushedAuthorizationController,
    DeviceAuthorizationController,
  ],
  exports: [AuthorizationCoreModule],
})
export class AuthorizationModule {}
