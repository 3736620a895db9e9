import { Module } from '@nestjs/common';
import { InteractionModule } from '../interaction/interaction.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { AuthorizationCoreModule } from './authorization-core.module.js';
import { AuthorizationController } from './authorization.controller.js';

/**
 * `/authorize`: its services (AuthorizationCoreModule, which the token endpoint shares for the
 * codes) and the interaction whose pages it hands the browser to.
 */
@Module({
  imports: [AuthorizationCoreModule, InteractionModule, SessionsModule],
  controllers: [AuthorizationController],
  exports: [AuthorizationCoreModule],
})
export class AuthorizationModule {}
