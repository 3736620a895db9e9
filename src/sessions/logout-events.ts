import { AuditLog } from '../audit/audit-log.js';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { BackchannelLogout } from './backchannel-logout.js';
import type { Session } from './session.entity.js';

/** Something else a module does when a session ends. */
export type SessionEndedListener = (session: Session) => Promise<unknown>;

/**
 * What happens after sessions ended (RP-initiated logout, the admin API, a disabled user):
 * Back-Channel Logout 1.0 for the clients that took part, and what other modules registered
 * (they cannot be imported here without a cycle). Every step runs even when another fails;
 * failures are logged, never thrown, so nothing stops a sign-out.
 */
@Injectable()
export class LogoutEvents {
  private readonly logger = new Logger('LogoutEvents');
  private readonly listeners: SessionEndedListener[] = [];

  constructor(
    @Inject(BackchannelLogout) private readonly backchannel: BackchannelLogout,
    @Optional() @Inject(AuditLog) private readonly audit?: AuditLog,
  ) {}

  onEnded(listener: SessionEndedListener): void {
    this.listeners.push(listener);
  }

  /** The sessions have ended (their rows are gone); `session.clients` took part in each. */
  async ended(sessions: Session | Session[]): Promise<void> {
    for (const session of Array.isArray(sessions) ? sessions : [sessions]) {
      const outcomes = await Promise.allSettled([
        this.backchannel.notify(session),
        this.audit?.record({
          type: 'logout',
          userId: session.userId,
          detail: { sid: session.id, clients: session.clients },
        }),
        ...this.listeners.map((listener) => listener(session)),
      ]);
      for (const outcome of outcomes)
        if (outcome.status === 'rejected') this.logger.error(outcome.reason);
    }
  }
}
