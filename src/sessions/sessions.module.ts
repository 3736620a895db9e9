import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { ClientsModule } from '../clients/clients.module.js';
import { UsersModule } from '../users/users.module.js';
import { BackchannelLogout } from './backchannel-logout.js';
import { LogoutMetadata } from './logout.metadata.js';
import { SessionCleanup } from './session-cleanup.js';
import { SessionsService } from './sessions.service.js';

/**
 * Browser login sessions and logout: Back-Channel Logout here; RP-initiated and front-channel
 * logout will live here too. KeysModule (signing) is global.
 */
@Module({
  imports: [ScheduleModule.forRoot(), ClientsModule, UsersModule],
  providers: [SessionsService, SessionCleanup, BackchannelLogout, LogoutMetadata],
  exports: [SessionsService, BackchannelLogout],
})
export class SessionsModule {}
