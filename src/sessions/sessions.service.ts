import { Inject, Injectable, Optional } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CLOCK, systemClock, type Clock } from '../common/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import {
  clearSessionCookie,
  SessionCookieSigner,
  sessionCookieSettings,
  sessionCookieValues,
  setSessionCookie,
  type SessionCookieSettings,
} from './session-cookie.js';
import { LogoutEvents } from './logout-events.js';
import { Session } from './session.entity.js';
import { needsTouch, sessionLifetime, sessionStatus } from './session-times.js';
import { isUuid } from '../common/uuid.js';
import { isHandle } from '../common/opaque-handle.js';

/** What an authentication established: who, when, how (RFC 8176 `amr`) and at what level. */
export interface Authentication {
  authTime: Date;
  amr: string[];
  acr: string;
}

export interface NewSession extends Authentication {
  userId: string;
  /** The user chose "remember me": SESSION_REMEMBER_ME and no idle timeout (if enabled). */
  rememberMe?: boolean;
}

const CLIENT_ID = /^[\x21-\x7e]{1,200}$/;
/** Rows deleted per statement by the clean-up, so no statement holds many locks for long. */
const CLEANUP_BATCH = 1_000;

/**
 * Sessions past their absolute end, or idle past SESSION_INACTIVITY (unless remembered):
 * `$1` now, `$2` the idle cutoff, `$3` whether inactivity ends sessions (`overParameters`).
 */
export const SESSION_OVER = `expires_at <= $1 OR ($3 AND NOT remember_me AND last_seen_at <= $2)`;

interface SessionRow {
  id: string;
  user_id: string;
  auth_time: Date;
  amr: string[];
  acr: string;
  clients: string[];
  remember_me: boolean;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
}

function toSession(row: SessionRow): Session {
  return Object.assign(new Session(), {
    id: row.id,
    userId: row.user_id,
    authTime: row.auth_time,
    amr: row.amr,
    acr: row.acr,
    clients: row.clients,
    rememberMe: row.remember_me,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    expiresAt: row.expires_at,
  });
}

/**
 * Browser login sessions in Postgres, readable by every instance. The cookie carries a signed
 * random id ({@link SessionCookieSigner}); a session ends at its absolute expiry
 * (SESSION_EXPIRATION, or SESSION_REMEMBER_ME) or after SESSION_INACTIVITY without use.
 * Every method takes untrusted input without throwing: a malformed value is no session.
 */
@Injectable()
export class SessionsService {
  private readonly signer: SessionCookieSigner;
  /** Name, path and Secure flag of the session cookie. */
  readonly cookie: SessionCookieSettings;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LogoutEvents) private readonly events: LogoutEvents,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
  ) {
    this.signer = new SessionCookieSigner(config.keys.encryptionSecret);
    this.cookie = sessionCookieSettings(config);
  }

  private get inactivity(): number {
    return this.config.session.inactivity;
  }

  /** Starts a session after a successful login; the caller sets `setCookie(cookieValue, session)`. */
  async create(input: NewSession): Promise<{ session: Session; cookieValue: string }> {
    const { cookieValue, sessionId } = this.signer.issue();
    const now = this.clock.now();
    const rememberMe = input.rememberMe === true && this.config.session.rememberMe > 0;
    const rows: SessionRow[] = await this.dataSource.query(
      `INSERT INTO sessions
         (id, cookie_digest, user_id, auth_time, amr, acr, clients, remember_me, created_at, last_seen_at, expires_at)
       VALUES ($1, $1, $2, $3, $4, $5, '{}', $6, $7, $7, $8)
       RETURNING *`,
      [
        sessionId,
        input.userId,
        input.authTime,
        input.amr,
        input.acr,
        rememberMe,
        new Date(now),
        new Date(now + sessionLifetime(this.config.session, rememberMe)),
      ],
    );
    return { session: toSession(rows[0]), cookieValue };
  }

  /**
   * The live session a cookie value names, or undefined: not signed by us, unknown, past its
   * absolute expiry or idle (such a row is deleted on the way). Records the use, writing
   * `last_seen_at` back at most once a minute.
   */
  async resolve(cookieValue: unknown): Promise<Session | undefined> {
    const digest = this.signer.verify(cookieValue);
    if (digest === undefined) return undefined;
    const rows: SessionRow[] = await this.dataSource.query(
      `SELECT * FROM sessions WHERE cookie_digest = $1`,
      [digest],
    );
    if (rows.length === 0) return undefined;
    const session = toSession(rows[0]);
    const id = session.id;
    const now = this.clock.now();
    if (sessionStatus(session, now, this.inactivity) !== 'active') {
      await this.deleteIfOver(id, now);
      return undefined;
    }
    if (needsTouch(session, now, this.inactivity)) {
      await this.dataSource.query(
        `UPDATE sessions SET last_seen_at = $2 WHERE id = $1 AND last_seen_at < $2`,
        [id, new Date(now)],
      );
      session.lastSeenAt = new Date(now);
    }
    return session;
  }

  /**
   * The session of a request's `Cookie` header (a string, an array of them, or anything else),
   * trying each cookie of the configured name; undefined when none is a live session.
   */
  async resolveFromHeader(cookieHeader: unknown): Promise<Session | undefined> {
    for (const value of sessionCookieValues(cookieHeader, this.cookie.name)) {
      const session = await this.resolve(value);
      if (session) return session;
    }
    return undefined;
  }

  /** The `Set-Cookie` value that stores a session's cookie until its absolute expiry. */
  setCookie(cookieValue: string, session: Session): string {
    return setSessionCookie(this.cookie, cookieValue, session.expiresAt, this.clock.now());
  }

  /** The `Set-Cookie` value that removes the session cookie. */
  clearCookie(): string {
    return clearSessionCookie(this.cookie);
  }

  /**
   * Records that a client took part in the session (for logout). Idempotent and safe under
   * concurrent calls: the array is appended in one statement under the row's lock. False when
   * there is no such session.
   */
  async addClient(sessionId: string, clientId: string): Promise<boolean> {
    if (!isSessionId(sessionId) || typeof clientId !== 'string' || !CLIENT_ID.test(clientId)) {
      return false;
    }
    const [, affected]: [unknown, number] = await this.dataSource.query(
      `UPDATE sessions
          SET clients = CASE WHEN $2 = ANY (clients) THEN clients ELSE array_append(clients, $2) END
        WHERE id = $1`,
      [sessionId, clientId],
    );
    return affected > 0;
  }

  /**
   * A new authentication of the session's own user (prompt=login, max_age, a second factor):
   * new auth_time, amr and acr, a new absolute expiry from now, and a new cookie (the caller
   * sets it). The id, and so the `sid` relying parties hold, stays. For another user, `end()`
   * this session and `create()` one. Undefined when the session no longer exists.
   */
  async reauthenticate(
    session: Session,
    authentication: Authentication & { rememberMe?: boolean },
  ): Promise<{ session: Session; cookieValue: string } | undefined> {
    const now = this.clock.now();
    const rememberMe =
      (authentication.rememberMe ?? session.rememberMe) && this.config.session.rememberMe > 0;
    // A new cookie for every authentication (session fixation, issue 12 finding 8): the one
    // the browser held before opens nothing from now on.
    const { cookieValue, sessionId: cookieDigest } = this.signer.issue();
    const [rows]: [SessionRow[], number] = await this.dataSource.query(
      `UPDATE sessions
          SET auth_time = $3, amr = $4, acr = $5, remember_me = $6, last_seen_at = $7, expires_at = $8,
              cookie_digest = $9
        WHERE id = $1 AND user_id = $2
        RETURNING *`,
      [
        session.id,
        session.userId,
        authentication.authTime,
        authentication.amr,
        authentication.acr,
        rememberMe,
        new Date(now),
        new Date(now + sessionLifetime(this.config.session, rememberMe)),
        cookieDigest,
      ],
    );
    return rows.length > 0 ? { session: toSession(rows[0]), cookieValue } : undefined;
  }

  /**
   * Ends a session and announces it (`LogoutEvents`: back-channel logout, the session's online
   * refresh tokens); returns it, or undefined if there was none. Every sign-out comes here.
   */
  async end(sessionId: string): Promise<Session | undefined> {
    if (!isSessionId(sessionId)) return undefined;
    return (await this.endWhere(`id = $1`, [sessionId]))[0];
  }

  /** Ends one session of a user, as `end`; undefined when that user has no such session. */
  async endForUser(userId: string, sessionId: string): Promise<Session | undefined> {
    if (!isSessionId(sessionId) || !isUuid(userId)) {
      return undefined;
    }
    return (await this.endWhere(`id = $1 AND user_id = $2`, [sessionId, userId]))[0];
  }

  /** Ends every session of a user, as `end`; returns them. */
  async endAllForUser(userId: string): Promise<Session[]> {
    if (!isUuid(userId)) return [];
    return this.endWhere(`user_id = $1`, [userId]);
  }

  private async endWhere(condition: string, parameters: string[]): Promise<Session[]> {
    const [rows]: [SessionRow[], number] = await this.dataSource.query(
      `DELETE FROM sessions WHERE ${condition} RETURNING *`,
      parameters,
    );
    const ended = rows.map(toSession);
    await this.events.ended(ended);
    return ended;
  }

  /** A user's live sessions, newest first. */
  async listForUser(userId: string): Promise<Session[]> {
    if (!isUuid(userId)) return [];
    const now = this.clock.now();
    const rows: SessionRow[] = await this.dataSource.query(
      `SELECT * FROM sessions WHERE user_id = $1 ORDER BY created_at DESC, id`,
      [userId],
    );
    return rows.map(toSession).filter((s) => sessionStatus(s, now, this.inactivity) === 'active');
  }

  /**
   * Deletes expired and idle sessions; returns how many. Safe on several instances at once:
   * each batch skips rows another instance has locked.
   */
  async deleteExpired(): Promise<number> {
    let total = 0;
    for (;;) {
      const [, deleted]: [unknown, number] = await this.dataSource.query(
        `DELETE FROM sessions WHERE id IN (
           SELECT id FROM sessions WHERE ${SESSION_OVER}
            LIMIT ${CLEANUP_BATCH} FOR UPDATE SKIP LOCKED)`,
        this.overParameters(new Date(this.clock.now())),
      );
      total += deleted;
      if (deleted < CLEANUP_BATCH) return total;
    }
  }

  /** The parameters of SESSION_OVER at `now`. */
  overParameters(now: Date): unknown[] {
    return [now, new Date(now.getTime() - this.inactivity), this.inactivity > 0];
  }

  /** Deletes a session only if it is still over its time when the statement runs. */
  private async deleteIfOver(id: string, now: number): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM sessions
        WHERE id = $1
          AND (expires_at <= $2 OR ($4 AND NOT remember_me AND last_seen_at <= $3))`,
      [id, new Date(now), new Date(now - this.inactivity), this.inactivity > 0],
    );
  }
}

function isSessionId(value: unknown): value is string {
  return isHandle(value);
}
