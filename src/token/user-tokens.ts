import { Inject, Injectable } from '@nestjs/common';
import { requestedClaims, type ClaimsRequest } from '../authorization/claims-request.js';
import type { Client } from '../clients/client.entity.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { ResourceServers } from '../resources/resource-servers.service.js';
import { Subjects } from '../users/subjects.js';
import { claimsForScopes, selectClaims, userClaims } from '../users/user-claims.js';
import type { User } from '../users/user.entity.js';
import { AccessTokens } from './access-tokens.js';
import type { DpopProof } from './dpop.js';
import type { TokenResponse } from './grants/grant.js';
import { IdTokens } from './id-tokens.js';
import { RefreshTokens, type PendingRefreshToken } from './refresh-tokens.js';

/** A grant a user gave a client: what the tokens for it carry, whichever grant type asks. */
export interface UserGrant {
  client: Client;
  user: User;
  scope: string[];
  claims: ClaimsRequest;
  /** The resources the grant was given for (RFC 8707); none: the client's registered audiences. */
  resources: string[];
  /** RFC 8707 §2.2: the resources this token request names, each among the grant's. */
  targets?: string[];
  /** Seconds since the epoch. */
  authTime: number;
  amr: string[];
  acr: string;
  sessionId: string | null;
  nonce?: string;
  /**
   * A rotation: the family it continues and the refresh token it stored already, with the
   * scope granted (RFC 6749 §6), however this request narrowed it. Without it, a new family
   * starts when the client may refresh.
   */
  family?: { id: string; next: PendingRefreshToken };
  /** RFC 9449: the access token is bound to this proof's key; a public client's new family too (§5.8). */
  dpop?: DpopProof;
}

/**
 * The tokens of a user grant: an RFC 9068 access token, an ID token for `openid`, and a
 * refresh token when the client may refresh (Core §11: `offline_access` in an OpenID Connect
 * grant; the client's grant types in plain OAuth).
 */
@Injectable()
export class UserTokens {
  constructor(
    @Inject(AccessTokens) private readonly accessTokens: AccessTokens,
    @Inject(IdTokens) private readonly idTokens: IdTokens,
    @Inject(RefreshTokens) private readonly refreshTokens: RefreshTokens,
    @Inject(Subjects) private readonly subjects: Subjects,
    @Inject(ResourceServers) private readonly resourceServers: ResourceServers,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async issue(grant: UserGrant): Promise<{
    response: TokenResponse;
    accessToken: { jti: string; exp: number };
    familyId?: string;
  }> {
    const { client, user } = grant;
    const subject = this.subjects.subjectFor(user.id, client.metadata);
    const catalog = await this.resourceServers.catalog();
    const audience = catalog.narrow(client, grant.resources, grant.targets ?? []);
    // The access token carries the scopes of its audience; the refresh token keeps the grant's.
    const scope = catalog.scopesFor(grant.scope, catalog.audienceOf(client, audience));
    const access = await this.accessTokens.issue({
      client,
      subject,
      scope,
      audience,
      extra: { auth_time: grant.authTime, acr: grant.acr, amr: grant.amr },
      endUser: { userId: user.id, userinfoClaims: requestedClaims(grant.claims, 'userinfo') },
      dpopJkt: grant.dpop?.jkt,
    });
    const accessToken = { jti: access.claims.jti, exp: access.claims.exp };
    const response: TokenResponse = {
      access_token: access.token,
      token_type: grant.dpop ? 'DPoP' : 'Bearer',
      expires_in: access.expiresIn,
      scope: scope.join(' '),
    };

    // The refresh token's write (a new family's INSERT, or recording the access token beside a
    // rotation's token) and the ID token's signature need only the access token: they run side
    // by side.
    const familyId =
      grant.family?.id ?? (this.mayRefresh(grant) ? this.refreshTokens.newFamilyId() : undefined);
    const [refresh, idToken] = await Promise.all([
      familyId === undefined ? undefined : this.refreshToken(grant, familyId, accessToken),
      grant.scope.includes('openid') ? this.idToken(grant, subject, access.token) : undefined,
    ]);
    if (refresh) response.refresh_token = refresh.token;
    if (idToken) response.id_token = idToken;
    return { response, accessToken, familyId };
  }

  /** A rotation's token, stored already, once its access token is recorded; or a family's first. */
  private refreshToken(
    grant: UserGrant,
    familyId: string,
    accessToken: { jti: string; exp: number },
  ): Promise<{ token: string; expiresIn: number }> {
    if (grant.family) return this.refreshTokens.attach(grant.family.next, accessToken);
    return this.refreshTokens.issue(
      grant.client,
      {
        familyId,
        clientId: grant.client.clientId,
        userId: grant.user.id,
        sessionId: grant.sessionId,
        scope: grant.scope,
        claims: grant.claims,
        resources: grant.resources,
        authTime: grant.authTime,
        amr: grant.amr,
        acr: grant.acr,
        // §5.8: a public client's refresh tokens are bound to its key; a confidential client's
        // are already bound to its credentials.
        dpopJkt: grant.client.metadata.public ? (grant.dpop?.jkt ?? null) : null,
      },
      accessToken,
    );
  }

  private idToken(grant: UserGrant, subject: string, accessToken: string): Promise<string> {
    return this.idTokens.issue({
      client: grant.client,
      subject,
      nonce: grant.nonce,
      authentication: {
        authTime: grant.authTime,
        amr: grant.amr,
        acr: grant.acr,
        ...(grant.sessionId !== null && { sid: grant.sessionId }),
      },
      accessToken,
      // Core §5.5: claims asked for in the ID token itself; Core §5.4 lets the scope claims go
      // there too, which clients that never call UserInfo (Auth.js and many more) rely on.
      claims: selectClaims(userClaims(grant.user), [
        ...requestedClaims(grant.claims, 'id_token'),
        ...((grant.client.metadata.id_token_scope_claims ??
        this.config.authorization.idTokenScopeClaims)
          ? claimsForScopes(grant.scope)
          : []),
      ]),
    });
  }

  private mayRefresh(grant: UserGrant): boolean {
    if (!grant.client.metadata.grant_types.includes('refresh_token')) return false;
    // Core §11: in an OpenID Connect grant only with offline_access; plain OAuth by grant type.
    return !grant.scope.includes('openid') || grant.scope.includes('offline_access');
  }
}
