import { AuditLog } from '../audit/audit-log.js';
import { Metrics } from '../metrics/metrics.js';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { ClaimsRequest } from '../authorization/claims-request.js';
import type { Client } from '../clients/client.entity.js';
import { CLOCK, systemClock, type Clock } from '../common/clock.js';
import { sha256 } from '../common/digest.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { AccessTokens } from './access-tokens.js';
import { isHandle, newHandle } from '../common/opaque-handle.js';

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
  /** RFC 9449 §5.8: the DPoP key thumbprint the family is bound to (public clients), or null. */
  dpopJkt: string | null;
  familyExpiresAt: Date;
}

/** The refresh token a rotation stored, waiting for the access token issued beside it. */
export interface PendingRefreshToken {
  id: string;
  token: string;
  expiresIn: number;
}

export type Rotation =
  /** A new token in the family (`next`), stored already; or a reuse within the grace window. */
  | { outcome: 'rotated'; grant: RefreshGrant; next: PendingRefreshToken }
  /** Unknown, expired, revoked, or another client's: nothing changes. */
  | { outcome: 'invalid'; reason: string }
  /** A rotated token used again, outside any grace: the family is revoked. */
  | { outcome: 'replayed' }
  /** A usable token, left unused: the narrower scope asked for names one never granted. */
  | { outcome: 'wider'; scope: string }
  /** RFC 8707 §2.2: a resource the grant was not given for; nothing changes. */
  | { outcome: 'other-target'; target: string }
  /** A DPoP-bound token without a proof by its key (RFC 9449 §5.8): nothing changes. */
  | { outcome: 'wrong-key' };

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
  dpop_jkt: string | null;
  expires_at: Date;
  family_expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
  parent_id: string | null;
}

/**
 * Namespace of the per-family advisory locks (`pg_advisory_xact_lock(FAMILY_LOCK, hash)`): the
 * two-key form never meets the single-key locks of `ADVISORY_LOCKS`.
 */
const FAMILY_LOCK = 7_301_010;

/** The columns of a rotated token, copied from the one it was rotated from. */
const CHILD_COLUMNS = `token_digest, family_id, client_id, user_id, session_id, scope, claims,
  resources, auth_time, amr, acr, dpop_jkt, expires_at, family_expires_at, parent_id, created_at`;
/** Their values, from a row of `refresh_tokens`: $1 now, $2 the new digest, $3 its idle end. */
const CHILD_VALUES = `$2, family_id, client_id, user_id, session_id, scope, claims, resources,
  auth_time, amr, acr, dpop_jkt, LEAST($3::timestamptz, family_expires_at), family_expires_at, id,
  $1::timestamptz`;

interface Denial {
  access_token_jti: string | null;
  access_token_exp: Date | null;
}

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
    dpopJkt: row.dpop_jkt,
    familyExpiresAt: new Date(row.family_expires_at),
  };
}

/**
 * Refresh tokens: opaque, 256 random bits, stored as SHA-256 in Postgres with their family,
 * rotated on every use. Every decision about a family (rotate, honour a reuse, revoke) is
 * taken in a transaction holding that family's advisory lock, so concurrent requests on any
 * instance are decided one after the other from what the database says at that moment. Times
 * come from the injected clock, on every instance the same way.
 */
@Injectable()
export class RefreshTokens {
  private readonly logger = new Logger('RefreshTokens');

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(AccessTokens) private readonly accessTokens: AccessTokens,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
    @Optional() @Inject(Metrics) private readonly metrics?: Metrics,
    @Optional() @Inject(AuditLog) private readonly audit?: AuditLog,
  ) {}

  /** The first token of a new family (`grant.familyId` from `newFamilyId`). */
  async issue(
    client: Client,
    grant: Omit<RefreshGrant, 'familyExpiresAt'>,
    accessToken: { jti: string; exp: number },
  ): Promise<{ token: string; expiresIn: number }> {
    const token = newHandle();
    const now = this.clock.now();
    const familyExpiresAt = new Date(
      now +
        (client.metadata.lifespans.refresh_token_family ??
          this.config.refreshTokens.familyLifespan),
    );
    // Never beyond the family's absolute end.
    const expiresAt = new Date(Math.min(this.idleEnd(client, now), familyExpiresAt.getTime()));
    await this.dataSource.query(
      `INSERT INTO refresh_tokens (token_digest, family_id, client_id, user_id, session_id, scope,
         claims, resources, auth_time, amr, acr, access_token_jti, access_token_exp, expires_at,
         family_expires_at, created_at, dpop_jkt)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
      [
        sha256(token),
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
        grant.dpopJkt,
      ],
    );
    return { token, expiresIn: Math.floor((expiresAt.getTime() - now) / 1000) };
  }

  newFamilyId(): string {
    return crypto.randomUUID();
  }

  /**
   * Uses a token for `client`. The first use rotates it: the new token is stored in the same
   * transaction, so whoever sees the old one used sees the new one too, and any revocation of
   * the family reaches it. Any later use (RFC 9700 §4.14.2), concurrent or not, revokes the
   * family and the access tokens issued from it, unless it falls within
   * REFRESH_TOKEN_REUSE_GRACE of the first use and nothing rotated from the token has been used
   * yet: it then gets a fresh rotation of the same grant beside the first one, and the first of
   * these tokens to be used retires the others, so the family goes on as one chain. With
   * `narrowTo` (RFC 6749 §6 `scope`), a token whose grant does not cover it is left as it was,
   * so the client keeps it; likewise with `resources` (RFC 8707 §2.2) that are not all among the
   * grant's (the client's registered audiences when the grant named none). A token bound to a DPoP key (RFC 9449 §5.8) is used only with a
   * proof by that key (`jkt`); otherwise it is left as it was. Finish a rotation with `attach`.
   */
  async rotate(
    token: unknown,
    client: Client,
    narrowing: { scope?: string[]; resources?: string[]; jkt?: string } = {},
  ): Promise<Rotation> {
    const { scope: narrowTo, resources: targets, jkt } = narrowing;
    if (!isHandle(token)) return { outcome: 'invalid', reason: 'malformed' };
    const key = sha256(token);
    const now = this.clock.now();
    const next = newHandle();
    // $1, $2, $3 as CHILD_VALUES reads them.
    const child = [new Date(now), sha256(next), new Date(this.idleEnd(client, now))];
    const pending = (row: { next_id: string; next_expires_at: Date }): PendingRefreshToken => ({
      id: row.next_id,
      token: next,
      expiresIn: Math.floor((new Date(row.next_expires_at).getTime() - now) / 1000),
    });
    let denials: Denial[] = [];
    let reused: { userId: string; clientId: string; familyId: string } | undefined;
    const rotation = await this.dataSource.transaction(async (em): Promise<Rotation> => {
      const found: unknown[] = await em.query(
        `SELECT pg_advisory_xact_lock($1, hashtext(family_id::text))
           FROM refresh_tokens WHERE token_digest = $2`,
        [FAMILY_LOCK, key],
      );
      if (found.length === 0) return { outcome: 'invalid', reason: 'unknown' };
      // Under the lock, each statement reads what the family's last decision left.
      const claimed: (Row & { next_id: string; next_expires_at: Date })[] = await em.query(
        `WITH claimed AS (
           UPDATE refresh_tokens SET used_at = $1::timestamptz
            WHERE token_digest = $4 AND client_id = $5 AND used_at IS NULL AND revoked_at IS NULL
              AND expires_at > $1::timestamptz AND family_expires_at > $1::timestamptz
              AND ($6::text[] IS NULL OR scope @> $6::text[])
              AND (dpop_jkt IS NULL OR dpop_jkt = $7::text)
              AND ($8::text[] IS NULL OR (CASE WHEN cardinality(resources) = 0 THEN $9::text[]
                                               ELSE resources END) @> $8::text[])
            RETURNING *
         ), retired AS (
           -- Tokens handed out beside this one by reuses within the grace: this one goes on.
           UPDATE refresh_tokens AS other SET used_at = $1::timestamptz FROM claimed
            WHERE other.family_id = claimed.family_id AND other.id <> claimed.id
              AND other.used_at IS NULL AND other.revoked_at IS NULL
         ), child AS (
           INSERT INTO refresh_tokens (${CHILD_COLUMNS})
           SELECT ${CHILD_VALUES} FROM claimed
           RETURNING id AS next_id, expires_at AS next_expires_at
         )
         SELECT claimed.*, child.next_id, child.next_expires_at FROM claimed, child`,
        [
          ...child,
          key,
          client.clientId,
          narrowTo ?? null,
          jkt ?? null,
          targets ?? null,
          client.metadata.audience,
        ],
      );
      if (claimed.length === 1)
        return { outcome: 'rotated', grant: toGrant(claimed[0]), next: pending(claimed[0]) };

      const [row]: Row[] = await em.query(`SELECT * FROM refresh_tokens WHERE token_digest = $1`, [
        key,
      ]);
      // Deleted with its user or client since the lock was taken.
      if (!row) return { outcome: 'invalid', reason: 'unknown' };
      // §6 (RFC 6749): a token is bound to its client; another client learns nothing more.
      if (row.client_id !== client.clientId)
        return { outcome: 'invalid', reason: 'another client' };
      // Whoever lacks the key learns nothing more, and changes nothing (no family revocation).
      if (row.dpop_jkt !== null && row.dpop_jkt !== jkt) return { outcome: 'wrong-key' };
      if (row.revoked_at) return { outcome: 'invalid', reason: 'revoked' };
      if (new Date(row.expires_at).getTime() <= now)
        return { outcome: 'invalid', reason: 'expired' };
      if (new Date(row.family_expires_at).getTime() <= now)
        return { outcome: 'invalid', reason: 'family expired' };
      const wider = narrowTo?.find((s) => !row.scope.includes(s));
      const granted = row.resources.length > 0 ? row.resources : client.metadata.audience;
      const otherTarget = targets?.find((t) => !granted.includes(t));
      const narrowingRefused: Rotation | undefined =
        wider !== undefined
          ? { outcome: 'wider', scope: wider }
          : otherTarget !== undefined
            ? { outcome: 'other-target', target: otherTarget }
            : undefined;
      if (row.used_at === null)
        // Unused and valid at this instant: only the scope or resources kept it from rotating.
        return narrowingRefused ?? { outcome: 'invalid', reason: 'not rotated' };

      const grace = this.config.refreshTokens.reuseGrace;
      if (
        grace > 0 &&
        now - new Date(row.used_at).getTime() <= grace &&
        (await this.nothingRotatedFromUsed(em, row))
      ) {
        if (narrowingRefused) return narrowingRefused;
        const [added]: { next_id: string; next_expires_at: Date }[] = await em.query(
          `INSERT INTO refresh_tokens (${CHILD_COLUMNS})
           SELECT ${CHILD_VALUES} FROM refresh_tokens WHERE id = $4
           RETURNING id AS next_id, expires_at AS next_expires_at`,
          [...child, row.id],
        );
        this.logger.log(`Refresh token of ${client.clientId} reused within the grace window`);
        return { outcome: 'rotated', grant: toGrant(row), next: pending(added) };
      }
      this.logger.warn(`Refresh token of ${client.clientId} replayed: its family is revoked`);
      this.metrics?.refreshReuse.inc();
      reused = { userId: row.user_id, clientId: client.clientId, familyId: row.family_id };
      denials = await this.revokeIn(em, `family_id = $1`, [row.family_id], now);
      return { outcome: 'replayed' };
    });
    await this.deny(denials);
    if (reused) {
      await this.audit?.record({
        type: 'refresh_token.reuse',
        userId: reused.userId,
        clientId: reused.clientId,
        detail: { family: reused.familyId },
      });
    }
    return rotation;
  }

  /**
   * Records the access token issued with a rotation's new refresh token, so revoking the
   * family denies it; returns the refresh token for the response.
   */
  async attach(
    pending: PendingRefreshToken,
    accessToken: { jti: string; exp: number },
  ): Promise<{ token: string; expiresIn: number }> {
    const [rows]: [{ revoked_at: Date | null }[], number] = await this.dataSource.query(
      `UPDATE refresh_tokens SET access_token_jti = $2, access_token_exp = $3 WHERE id = $1
       RETURNING revoked_at`,
      [pending.id, accessToken.jti, new Date(accessToken.exp * 1000)],
    );
    // Revoked (a reuse, a sign-out) or deleted while these tokens were signed: the revocation
    // could not name this access token yet, so it is denied here.
    if (!rows[0] || rows[0].revoked_at) await this.accessTokens.revoke(accessToken);
    return { token: pending.token, expiresIn: pending.expiresIn };
  }

  /** Revokes every token of a family and denies the access tokens issued with them. */
  async revokeFamily(familyId: string): Promise<void> {
    const now = this.clock.now();
    // Under the family's lock, so a rotation in progress is either seen or sees the revocation.
    const denials = await this.dataSource.transaction(async (em) => {
      await em.query(`SELECT pg_advisory_xact_lock($1, hashtext($2::uuid::text))`, [
        FAMILY_LOCK,
        familyId,
      ]);
      return this.revokeIn(em, `family_id = $1`, [familyId], now);
    });
    await this.deny(denials);
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
    const denials = await this.revokeIn(
      this.dataSource.manager,
      condition,
      parameters,
      this.clock.now(),
    );
    await this.deny(denials);
    return denials.length;
  }

  /** Marks matching tokens revoked, with `em` (a transaction's, when in one). */
  private async revokeIn(
    em: EntityManager,
    condition: string,
    parameters: string[],
    now: number,
  ): Promise<Denial[]> {
    const [rows]: [Denial[], number] = await em.query(
      `UPDATE refresh_tokens SET revoked_at = $${parameters.length + 1}
        WHERE ${condition} AND revoked_at IS NULL
        RETURNING access_token_jti, access_token_exp`,
      [...parameters, new Date(now)],
    );
    return rows;
  }

  /** Denies the access tokens issued with revoked refresh tokens; after the transaction. */
  private async deny(rows: Denial[]): Promise<void> {
    // Sent together: the Redis client pipelines commands issued in one tick. A token whose
    // rotation is still signing has none yet: `attach` denies it.
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
  }

  /**
   * Whether a used token's rotations are all still unused: the client may have lost the answer
   * (or another tab holds it). A token rotated before parent_id was recorded has none: false.
   */
  private async nothingRotatedFromUsed(em: EntityManager, row: Row): Promise<boolean> {
    const [{ spent }]: { spent: boolean | null }[] = await em.query(
      `SELECT bool_or(used_at IS NOT NULL) AS spent FROM refresh_tokens
        WHERE family_id = $1 AND parent_id = $2`,
      [row.family_id, row.id],
    );
    return spent === false;
  }

  /** When a token issued now for `client` goes idle, before its family's end applies. */
  private idleEnd(client: Client, now: number): number {
    return now + (client.metadata.lifespans.refresh_token ?? this.config.lifespans.refreshToken);
  }

  /** A token that is active now (not used, revoked or expired), with its row; else undefined. */
  async inspect(token: string): Promise<(RefreshGrant & { exp: number; iat: number }) | undefined> {
    if (!isHandle(token)) return undefined;
    const rows: Row[] = await this.dataSource.query(
      `SELECT * FROM refresh_tokens
        WHERE token_digest = $1 AND used_at IS NULL AND revoked_at IS NULL
          AND expires_at > $2 AND family_expires_at > $2`,
      [sha256(token), new Date(this.clock.now())],
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
    if (!isHandle(token)) return undefined;
    const rows: { family_id: string; client_id: string }[] = await this.dataSource.query(
      `SELECT family_id, client_id FROM refresh_tokens WHERE token_digest = $1`,
      [sha256(token)],
    );
    if (!rows[0]) return undefined;
    return rows[0].client_id === clientId ? { familyId: rows[0].family_id } : { otherClient: true };
  }
}
