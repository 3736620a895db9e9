import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module.js';
import { PeriodicJobsModule } from '../common/periodic-jobs.module.js';
import { PruningModule } from '../database/pruning.module.js';
import { UsersModule } from '../users/users.module.js';
import { BackchannelLogout } from './backchannel-logout.js';
import { LogoutEvents } from './logout-events.js';
import { SessionCleanup } from './session-cleanup.js';
import { SessionsService } from './sessions.service.js';

/**
 * Browser login sessions; `LogoutEvents`, the hook every sign-out calls; and Back-Channel
 * Logout, which that hook feeds. The logout endpoints are in `LogoutModule`. KeysModule
 * (signing) is global.
 */
@Module({
  imports: [PeriodicJobsModule, PruningModule, ClientsModule, UsersModule],
  providers: [SessionsService, SessionCleanup, BackchannelLogout, LogoutEvents],
  exports: [SessionsService, BackchannelLogout, LogoutEvents],
})
export class SessionsModule {}
