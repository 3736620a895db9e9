import { Inject, Injectable } from '@nestjs/common';
import { BackchannelLogout } from './backchannel-logout.js';
import type { Session } from './session.entity.js';

/**
 * What happens after a session ended (RP-initiated logout, the admin API, a disabled user):
 * Back-Channel Logout 1.0 for the clients that took part. Queued, never blocking: callers
 * await it and catch and log its errors, so a failing client never stops a sign-out.
 */
@Injectable()
export class LogoutEvents {
  constructor(@Inject(BackchannelLogout) private readonly backchannel: BackchannelLogout) {}

  /** The session has ended (its row is gone); `session.clients` took part in it. */
  ended(session: Session): Promise<void> {
    return this.backchannel.notify(session);
  }
}
