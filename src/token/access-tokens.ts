import { LRUCache } from 'lru-cache';
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { JWTPayload } from 'jose';
import { ShortLivedStore } from '../cache/short-lived-store.js';
import { CLOCK, systemClock, type Clock } from '../common/clock.js';
import { randomId } from '../common/random-id.js';
import type { Client } from '../clients/client.entity.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { SigningService } from '../keys/signing.service.js';
import { ResourceServers } from '../resources/resource-servers.service.js';
import { DenyList } from './deny-list.js';

/** The end user a token was issued for, kept beside it for UserInfo (its `sub` may be pairwise). */
export interface EndUserOfToken {
  userId: string;
  /** Core §5.5: claims the authorization request asked UserInfo to return. */
  userinfoClaims: string[];
}

/** Claims of an RFC 9068 access token, as issued. */
export interface AccessTokenClaims extends JWTPayload {
  iss: string;
  sub: string;
  aud: string | string[];
  client_id: string;
  scope?: string;
  jti: string;
  iat: number;
  exp: number;
  /** RFC 9449 §6.1: the thumbprint of the key a DPoP-bound token is bound to. */
  cnf?: { jkt?: string };
}

export const ACCESS_TOKEN_TYPE = 'at+jwt';

/** Verified tokens kept per instance; past this the oldest are dropped first. */
const VERIFIED_CACHE_SIZE = 10_000;

/**
 * JWT access tokens after RFC 9068, so resource servers can verify them offline against the
 * JWKS; revocation puts the `jti` on the deny list (deny-list.ts) until the token's `exp`.
 */
@Injectable()
export class AccessTokens {
  constructor(
    @Inject(SigningService) private readonly signing: SigningService,
    @Inject(ShortLivedStore) private readonly store: ShortLivedStore,
    @Inject(DenyList) private readonly denyList: DenyList,
    @Inject(ResourceServers) private readonly resourceServers: ResourceServers,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
  ) {}

  /**
   * Tokens whose signature and claims checked out, by their exact text: resource servers
   * introspect one token many times and a signature check costs more than the rest of the
   * request. Emptied whenever the key ring changes, so a revoked key stops verifying at once;
   * expiry and the deny list are still checked on every call.
   */
  private verified = new LRUCache<string, AccessTokenClaims>({ max: VERIFIED_CACHE_SIZE });
  private verifiedWith: object | undefined;

  async issue(input: {
    client: Client;
    subject: string;
    scope: string[];
    /** The resources asked for; none: the client's registered audiences, or this provider (RFC 9068 §3). */
    audience: string[];
    extra?: Record<string, unknown>;
    endUser?: EndUserOfToken;
    /** Seconds since the epoch the token must not outlive (a token exchange's subject token). */
    notAfter?: number;
    /** RFC 9449 §6.1: the thumbprint of the DPoP key the token is bound to. */
    dpopJkt?: string;
  }): Promise<{ token: string; claims: AccessTokenClaims; expiresIn: number }> {
    const audience =
      input.audience.length > 0
        ? input.audience
        : input.client.metadata.audience.length > 0
          ? input.client.metadata.audience
          : [this.config.issuer];
    // A declared resource's lifespan replaces the provider's; the client's own may shorten it.
    const resource = (await this.resourceServers.catalog()).tokenSettings(audience);
    const clientMs = input.client.metadata.lifespans.access_token;
    const configuredMs =
      resource.lifespanMs === undefined
        ? (clientMs ?? this.config.lifespans.accessToken)
        : Math.min(clientMs ?? Infinity, resource.lifespanMs);
    const iat = Math.floor(this.clock.now() / 1000);
    const lifetimeMs =
      input.notAfter === undefined
        ? configuredMs
        : Math.min(configuredMs, Math.max(1000, (input.notAfter - iat) * 1000));
    const expiresIn = Math.floor(lifetimeMs / 1000);
    const claims: AccessTokenClaims = {
      ...input.extra,
      iss: this.config.issuer,
      sub: input.subject,
      aud: audience.length === 1 ? audience[0] : audience,
      client_id: input.client.clientId,
      ...(input.scope.length > 0 ? { scope: input.scope.join(' ') } : {}),
      // 128 random bits (RFC 9068 §2.2 asks for a unique identifier).
      jti: randomId(16),
      iat,
      exp: iat + expiresIn,
      ...(input.dpopJkt !== undefined && { cnf: { jkt: input.dpopJkt } }),
    };
    const token = await this.signing.sign(claims, {
      alg: resource.alg ?? this.config.accessTokenSigningAlg,
      typ: ACCESS_TOKEN_TYPE,
    });
    if (input.endUser) {
      // Sent together: the Redis client pipelines commands issued in one tick.
      await Promise.all([
        this.store.put(endUserKey(claims.jti), JSON.stringify(input.endUser), lifetimeMs),
        // So that disabling the user can deny every token they still hold.
        this.store.addToSet(
          userTokensKey(input.endUser.userId),
          `${claims.jti}.${claims.exp}`,
          lifetimeMs,
        ),
      ]);
    }
    return { token, claims, expiresIn };
  }

  /** The claims of an access token we issued that is still valid and not revoked; otherwise undefined. */
  async inspect(token: string): Promise<AccessTokenClaims | undefined> {
    const claims = await this.verify(token);
    if (!claims) return undefined;
    if (await this.denyList.isDenied(claims.jti)) return undefined;
    return claims;
  }

  /**
   * `inspect`, and the end user behind the token (undefined for a client's own token), read
   * together: both keys are known once the signature checks out.
   */
  async inspectWithEndUser(
    token: string,
  ): Promise<{ claims: AccessTokenClaims; endUser?: EndUserOfToken } | undefined> {
    const claims = await this.verify(token);
    if (!claims) return undefined;
    const [denied, endUser] = await Promise.all([
      this.denyList.isDenied(claims.jti),
      this.store.get(endUserKey(claims.jti)),
    ]);
    if (denied) return undefined;
    return {
      claims,
      endUser: endUser === null ? undefined : (JSON.parse(endUser) as EndUserOfToken),
    };
  }

  /** The claims of a token we signed that has not expired; the deny list is not consulted. */
  private async verify(token: string): Promise<AccessTokenClaims | undefined> {
    if (token.length > 8192 || token.split('.').length !== 3) return undefined;
    const ring = this.signing.keyRing;
    if (ring !== this.verifiedWith) {
      this.verified.clear();
      this.verifiedWith = ring;
    }
    const known = this.verified.get(token);
    if (known) {
      if (known.exp > this.clock.now() / 1000) return known;
      this.verified.delete(token);
      return undefined;
    }
    let claims: AccessTokenClaims;
    try {
      // exp is checked against the provider's clock: SigningService passes it as currentDate.
      const { payload } = await this.signing.verify(token, {
        typ: ACCESS_TOKEN_TYPE,
        issuer: this.config.issuer,
        requiredClaims: ['exp', 'iat', 'jti', 'client_id', 'sub'],
      });
      claims = payload as AccessTokenClaims;
    } catch {
      return undefined;
    }
    // The ring may have changed while the signature was checked: keep nothing then.
    if (this.signing.keyRing === ring) {
      // Kept no longer than the token lives (the check above also looks at exp).
      const ttl = Math.max(1, claims.exp * 1000 - this.clock.now());
      this.verified.set(token, Object.freeze(claims), { ttl });
    }
    return claims;
  }

  /**
   * Denies every access token issued to a user that may still be alive (a user disabled or
   * deleted): at `/introspect` and `/userinfo` they are inactive at once. Resource servers
   * that verify tokens offline see this only at `exp`.
   */
  async revokeAllOfUser(userId: string): Promise<number> {
    const members = await this.store.takeSet(userTokensKey(userId));
    await Promise.all(members.map((member) => this.revoke(parseMember(member))));
    return members.length;
  }

  /**
   * Denies the token everywhere until it expires by itself, and with it every token exchanged
   * from it (RFC 8693), down the chain: the denial is written before the exchanged tokens are
   * taken, so an exchange finishing meanwhile sees one or the other (`recordExchange`).
   */
  async revoke(claims: Pick<AccessTokenClaims, 'jti' | 'exp'>): Promise<void> {
    await this.denyList.deny(claims.jti, claims.exp);
    const exchanged = await this.store.takeSet(exchangedKey(claims.jti));
    await Promise.all(exchanged.map((member) => this.revoke(parseMember(member))));
  }

  /**
   * Records that `exchanged` was issued by a token exchange from `subject`, so revoking the
   * subject token (itself, its refresh family, its user) denies it too; in the shared store,
   * so any instance's revocation finds it. A subject revoked while the exchange was signing
   * is seen here, and the new token denied at once.
   */
  async recordExchange(
    subject: Pick<AccessTokenClaims, 'jti'>,
    exchanged: Pick<AccessTokenClaims, 'jti' | 'exp'>,
  ): Promise<void> {
    const ttlMs = Math.max(1000, exchanged.exp * 1000 - this.clock.now());
    await this.store.addToSet(
      exchangedKey(subject.jti),
      `${exchanged.jti}.${exchanged.exp}`,
      ttlMs + 1000,
    );
    if (await this.denyList.isDenied(subject.jti)) await this.revoke(exchanged);
  }
}

function parseMember(member: string): Pick<AccessTokenClaims, 'jti' | 'exp'> {
  const dot = member.lastIndexOf('.');
  return { jti: member.slice(0, dot), exp: Number(member.slice(dot + 1)) };
}

const endUserKey = (jti: string) => `at-user:${jti}`;
const userTokensKey = (userId: string) => `user-ats:${userId}`;
/** The tokens exchanged from an access token (RFC 8693), as `jti.exp` members. */
const exchangedKey = (jti: string) => `exchanged-from:${jti}`;
