import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ClaimsRequest } from '../authorization/claims-request.js';
import type { Client } from '../clients/client.entity.js';
import { CLOCK, systemClock, type Clock } from '../common/clock.js';
import { randomId } from '../common/random-id.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { AccessTokens } from './access-tokens.js';

/** What a refresh token stands for: the grant it continues. */
export interface RefreshGrant {
  familyId: string;
  clientId: string;
  userId: string;
  sessionId: string | null;
  scope: string[];
  claims: ClaimsRequest;
  resources: string[];
  /** Seconds since the epoch, of the sign-in the grant came from. */
  authTime: number;
  amr: string[];
  acr: string;
  familyExpiresAt: Date;
}

export type Rotation =
  | { outcome: 'rotated'; grant: RefreshGrant }
  /** Unknown, expired, revoked, another client's, or a duplicate lost in a race. */
  | { outcome: 'invalid'; reason: string }
  /** A rotated token used again after the race window: the family is revoked. */
  | { outcome: 'replayed' }
  /** A usable token, left unused: the narrower scope asked for names one never granted. */
  | { outcome: 'wider'; scope: string };

interface Row {
  id: string;
  family_id: string;
  client_id: string;
  user_id: string;
  session_id: string | null;
  scope: string[];
  claims: ClaimsRequest;
  resources: string[];
  auth_time: Date;
  amr: string[];
  acr: string;
  expires_at: Date;
  family_expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
}

const TOKEN = /^[A-Za-z0-9_-]{43}$/;
/**
 * Concurrent refreshes with one token (a client retrying, two tabs) arrive within moments of
 * each other: the losers get `invalid_grant` but do not revoke the family. A rotated token
 * presented later is a replay (RFC 9700 §4.14.2) and revokes it.
 */
const RACE_WINDOW_MS = 2_000;

const digest = (token: string) => createHash('sha256').update(token).digest('base64url');

function toGrant(row: Row): RefreshGrant {
  return {
    familyId: row.family_id,
    clientId: row.client_id,
    userId: row.user_id,
    sessionId: row.session_id,
    scope: row.scope,
    claims: row.claims,
    resources: row.resources,
    authTime: Math.floor(new Date(row.auth_time).getTime() / 1000),
    amr: row.amr,
    acr: row.acr,
    familyExpiresAt: new Date(row.family_expires_at),
  };
}

/**
 * Refresh tokens: opaque, 256 random bits, stored as SHA-256 in Postgres with their family,
 * rotated on every use. Postgres decides which of concurrent rotations wins (one conditional
 * UPDATE), whatever instance each arrives on. Times come from the injected clock, on every
 * instance the same way, never from the database's.
 */
@Injectable()
export class RefreshTokens {
  private readonly logger = new Logger('RefreshTokens');

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(AccessTokens) private readonly accessTokens: AccessTokens,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
  ) {}

  /** A new token in a family (a new family when `grant.familyId` is new). */
  async issue(
    client: Client,
    grant: Omit<RefreshGrant, 'familyExpiresAt'> & { familyExpiresAt?: Date },
    accessToken: { jti: string; exp: number },
  ): Promise<{ token: string; expiresIn: number }> {
    const token = randomId(32);
    const idleMs = client.metadata.lifespans.refresh_token ?? this.config.lifespans.refreshToken;
    const now = this.clock.now();
    // A rotation keeps its family's end; a new family takes the client's or the global one.
    const familyExpiresAt =
      grant.familyExpiresAt ??
      new Date(
        now +
          (client.metadata.lifespans.refresh_token_family ??
            this.config.refreshTokens.familyLifespan),
      );
    // Never beyond the family's absolute end.
    const expiresAt = new Date(Math.min(now + idleMs, familyExpiresAt.getTime()));
    await this.dataSource.query(
      `INSERT INTO refresh_tokens (token_digest, family_id, client_id, user_id, session_id, scope,
         claims, resources, auth_time, amr, acr, access_token_jti, access_token_exp, expires_at,
         family_expires_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
      [
        digest(token),
        grant.familyId,
        grant.clientId,
        grant.userId,
        grant.sessionId,
        grant.scope,
        JSON.stringify(grant.claims),
        grant.resources,
        new Date(grant.authTime * 1000),
        grant.amr,
        grant.acr,
        accessToken.jti,
        new Date(accessToken.exp * 1000),
        expiresAt,
        familyExpiresAt,
        new Date(now),
      ],
    );
    return { token, expiresIn: Math.floor((expiresAt.getTime() - now) / 1000) };
  }

  newFamilyId(): string {
    return crypto.randomUUID();
  }

  /**
   * Uses a token for `clientId`: exactly one of concurrent uses rotates it. A later use of a
   * rotated token revokes the family and the access tokens issued from it, unless it falls in
   * REFRESH_TOKEN_REUSE_GRACE (a client that lost a response may try again). With `narrowTo`
   * (RFC 6749 §6 `scope`), a token whose grant does not cover it is left as it was, so the
   * client keeps it; one round trip either way when the token is good.
   */
  async rotate(token: unknown, clientId: string, narrowTo?: string[]): Promise<Rotation> {
    if (typeof token !== 'string' || !TOKEN.test(token))
      return { outcome: 'invalid', reason: 'malformed' };
    const key = digest(token);
    const now = this.clock.now();
    const [claimed]: [Row[], number] = await this.dataSource.query(
      `UPDATE refresh_tokens SET used_at = $4
        WHERE token_digest = $1 AND client_id = $2 AND used_at IS NULL AND revoked_at IS NULL
          AND expires_at > $4 AND family_expires_at > $4
          AND ($3::text[] IS NULL OR scope @> $3::text[])
        RETURNING *`,
      [key, clientId, narrowTo ?? null, new Date(now)],
    );
    if (claimed.length === 1) return { outcome: 'rotated', grant: toGrant(claimed[0]) };

    const rows: Row[] = await this.dataSource.query(
      `SELECT * FROM refresh_tokens WHERE token_digest = $1`,
      [key],
    );
    const row = rows[0];
    if (!row) return { outcome: 'invalid', reason: 'unknown' };
    // §6 (RFC 6749): a token is bound to its client; another client learns nothing more.
    if (row.client_id !== clientId) return { outcome: 'invalid', reason: 'another client' };
    if (row.revoked_at) return { outcome: 'invalid', reason: 'revoked' };
    if (new Date(row.expires_at).getTime() <= now) return { outcome: 'invalid', reason: 'expired' };
    if (new Date(row.family_expires_at).getTime() <= now)
      return { outcome: 'invalid', reason: 'family expired' };
    const wider = narrowTo?.find((s) => !row.scope.includes(s));
    if (row.used_at === null) {
      // Otherwise it expired between the two statements.
      return wider !== undefined
        ? { outcome: 'wider', scope: wider }
        : { outcome: 'invalid', reason: 'expired' };
    }
    // Used already.
    const since = now - new Date(row.used_at).getTime();
    const grace = this.config.refreshTokens.reuseGrace;
    if (grace > 0 && since <= grace) {
      if (wider !== undefined) return { outcome: 'wider', scope: wider };
      this.logger.log(`Refresh token of ${clientId} reused within the grace window`);
      return { outcome: 'rotated', grant: toGrant(row) };
    }
    if (since <= RACE_WINDOW_MS) return { outcome: 'invalid', reason: 'concurrent use' };
    this.logger.warn(`Refresh token of ${clientId} replayed: its family is revoked`);
    await this.revokeFamily(row.family_id);
    return { outcome: 'replayed' };
  }

  /** Revokes every token of a family and denies the access tokens issued with them. */
  async revokeFamily(familyId: string): Promise<void> {
    await this.revokeWhere(`family_id = $1`, [familyId]);
  }

  /**
   * Revokes the families of a user's tokens for one client (a consent revoked); returns how
   * many tokens were still unrevoked.
   */
  revokeForUserAndClient(userId: string, clientId: string): Promise<number> {
    // A family never changes user or client, so this covers every token of those families.
    return this.revokeWhere(`user_id = $1 AND client_id = $2`, [userId, clientId]);
  }

  /** Revokes every refresh token of a user (disabled or deleted), denying their access tokens. */
  revokeForUser(userId: string): Promise<number> {
    return this.revokeWhere(`user_id = $1`, [userId]);
  }

  /**
   * Back-Channel Logout 1.0 §2.7: when a session ends, the refresh tokens issued in it without
   * `offline_access` (plain OAuth grants) end with it; offline ones are meant to outlive it.
   */
  revokeOnlineForSession(sessionId: string): Promise<number> {
    return this.revokeWhere(`session_id = $1 AND NOT ('offline_access' = ANY (scope))`, [
      sessionId,
    ]);
  }

  /** Revokes matching tokens not yet revoked (earlier revocations denied their access tokens). */
  private async revokeWhere(condition: string, parameters: string[]): Promise<number> {
    const [rows]: [{ access_token_jti: string | null; access_token_exp: Date | null }[], number] =
      await this.dataSource.query(
        `UPDATE refresh_tokens SET revoked_at = $${parameters.length + 1}
          WHERE ${condition} AND revoked_at IS NULL
          RETURNING access_token_jti, access_token_exp`,
        [...parameters, new Date(this.clock.now())],
      );
    // Sent together: the Redis client pipelines commands issued in one tick.
    await Promise.all(
      rows
        .filter((row) => row.access_token_jti && row.access_token_exp)
        .map((row) =>
          this.accessTokens.revoke({
            jti: row.access_token_jti!,
            exp: Math.floor(new Date(row.access_token_exp!).getTime() / 1000),
          }),
        ),
    );
    return rows.length;
  }

  /** A token that is active now (not used, revoked or expired), with its row; else undefined. */
  async inspect(token: string): Promise<(RefreshGrant & { exp: number; iat: number }) | undefined> {
    if (!TOKEN.test(token)) return undefined;
    const rows: Row[] = await this.dataSource.query(
      `SELECT * FROM refresh_tokens
        WHERE token_digest = $1 AND used_at IS NULL AND revoked_at IS NULL
          AND expires_at > $2 AND family_expires_at > $2`,
      [digest(token), new Date(this.clock.now())],
    );
    if (!rows[0]) return undefined;
    return {
      ...toGrant(rows[0]),
      exp: Math.floor(new Date(rows[0].expires_at).getTime() / 1000),
      iat: Math.floor(new Date(rows[0].created_at).getTime() / 1000),
    };
  }

  /** The family of a token the client holds (in any state), for RFC 7009 revocation. */
  async familyOf(
    token: string,
    clientId: string,
  ): Promise<{ familyId: string } | { otherClient: true } | undefined> {
    if (!TOKEN.test(token)) return undefined;
    const rows: { family_id: string; client_id: string }[] = await this.dataSource.query(
      `SELECT family_id, client_id FROM refresh_tokens WHERE token_digest = $1`,
      [digest(token)],
    );
    if (!rows[0]) return undefined;
    return rows[0].client_id === clientId ? { familyId: rows[0].family_id } : { otherClient: true };
  }
}
