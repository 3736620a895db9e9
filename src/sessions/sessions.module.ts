import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { SessionCleanup } from './session-cleanup.js';
import { SessionsService } from './sessions.service.js';

/** Browser login sessions; logout (RP-initiated, back-channel, front-channel) will live here. */
@Module({
  imports: [ScheduleModule.forRoot()],
  providers: [SessionsService, SessionCleanup],
  exports: [SessionsService],
})
export class SessionsModule {}
