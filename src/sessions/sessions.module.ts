import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { LogoutEvents } from './logout-events.js';
import { SessionCleanup } from './session-cleanup.js';
import { SessionsService } from './sessions.service.js';

/**
 * Browser login sessions, and `LogoutEvents`, the hook every sign-out calls. The logout
 * endpoints are in `LogoutModule`.
 */
@Module({
  imports: [ScheduleModule.forRoot()],
  providers: [SessionsService, SessionCleanup, LogoutEvents],
  exports: [SessionsService, LogoutEvents],
})
export class SessionsModule {}
