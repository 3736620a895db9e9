import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { LogoutEvents } from '../sessions/logout-events.js';
import { RefreshTokens } from './refresh-tokens.js';

/** Ends a session's online refresh tokens (and their access tokens) with the session. */
@Injectable()
export class SessionEndRevocation implements OnModuleInit {
  constructor(
    @Inject(LogoutEvents) private readonly events: LogoutEvents,
    @Inject(RefreshTokens) private readonly refreshTokens: RefreshTokens,
  ) {}

  onModuleInit(): void {
    this.events.onEnded((session) => this.refreshTokens.revokeOnlineForSession(session.id));
  }
}
