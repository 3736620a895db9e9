import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module.js';
import { UsersModule } from '../users/users.module.js';
import { LogoutController } from './logout.controller.js';
import { LogoutMetadata } from './logout.metadata.js';
import { LogoutService } from './logout.service.js';
import { SessionsModule } from './sessions.module.js';

/** RP-Initiated Logout 1.0 at `/end_session`, with Front-Channel Logout 1.0 on its pages. */
@Module({
  imports: [SessionsModule, ClientsModule, UsersModule],
  controllers: [LogoutController],
  providers: [LogoutService, LogoutMetadata],
})
export class LogoutModule {}
