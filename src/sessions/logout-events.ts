import { Injectable } from '@nestjs/common';
import type { Session } from './session.entity.js';

/**
 * What happens after a session ended (RP-initiated logout, and later the admin API): the
 * hook for Back-Channel Logout 1.0. Callers await it and catch and log its errors, so a
 * failing hook never stops a sign-out. For now it does nothing.
 */
@Injectable()
export class LogoutEvents {
  /** The session has ended (its row is gone); `session.clients` took part in it. */
  ended(session: Session): Promise<void> {
    void session;
    return Promise.resolve();
  }
}
