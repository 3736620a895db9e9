/** The times that decide whether a session is still usable. */
export interface SessionTimes {
  lastSeenAt: Date;
  expiresAt: Date;
  rememberMe: boolean;
}

export type SessionStatus = 'active' | 'expired' | 'idle';

/**
 * `expired` past the absolute expiry; `idle` when unused for `inactivity` ms (0: never; a
 * "remember me" session never idles, as in Authelia); `active` otherwise.
 */
export function sessionStatus(
  session: SessionTimes,
  now: number,
  inactivity: number,
): SessionStatus {
  if (now >= session.expiresAt.getTime()) return 'expired';
  if (!session.rememberMe && inactivity > 0 && now - session.lastSeenAt.getTime() >= inactivity) {
    return 'idle';
  }
  return 'active';
}

/**
 * How stale `last_seen_at` may get before a use is written back: at most a minute, to spare
 * Postgres a write per request, and a fifth of the idle timeout when that is shorter, so a
 * session in use never ends more than a fifth of the timeout early.
 */
export function touchInterval(inactivity: number): number {
  return inactivity > 0 ? Math.min(60_000, Math.floor(inactivity / 5)) : 60_000;
}

export function needsTouch(session: SessionTimes, now: number, inactivity: number): boolean {
  return now - session.lastSeenAt.getTime() >= touchInterval(inactivity);
}

/** The lifetime of a new (or renewed) session. */
export function sessionLifetime(
  settings: { expiration: number; rememberMe: number },
  rememberMe: boolean,
): number {
  return rememberMe && settings.rememberMe > 0 ? settings.rememberMe : settings.expiration;
}
