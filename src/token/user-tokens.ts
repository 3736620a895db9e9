import { Inject, Injectable } from '@nestjs/common';
import { requestedClaims, type ClaimsRequest } from '../authorization/claims-request.js';
import type { Client } from '../clients/client.entity.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { Subjects } from '../users/subjects.js';
import { claimsForScopes, selectClaims, userClaims } from '../users/user-claims.js';
import type { User } from '../users/user.entity.js';
import { AccessTokens } from './access-tokens.js';
import type { TokenResponse } from './grants/grant.js';
import { IdTokens } from './id-tokens.js';
import { RefreshTokens } from './refresh-tokens.js';

/** A grant a user gave a client: what the tokens for it carry, whichever grant type asks. */
export interface UserGrant {
  client: Client;
  user: User;
  scope: string[];
  claims: ClaimsRequest;
  resources: string[];
  /** Seconds since the epoch. */
  authTime: number;
  amr: string[];
  acr: string;
  sessionId: string | null;
  nonce?: string;
  /** RFC 6749 §6: a refresh token keeps the scope granted, though this request narrowed it. */
  refreshScope?: string[];
  /** Continue this refresh-token family (a rotation), or start one when allowed. */
  family?: { id: string; expiresAt: Date };
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
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async issue(grant: UserGrant): Promise<{
    response: TokenResponse;
    accessToken: { jti: string; exp: number };
    familyId?: string;
  }> {
    const { client, user } = grant;
    const subject = this.subjects.subjectFor(user.id, client.metadata);
    const access = await this.accessTokens.issue({
      client,
      subject,
      scope: grant.scope,
      audience: grant.resources,
      extra: { auth_time: grant.authTime, acr: grant.acr, amr: grant.amr },
      endUser: { userId: user.id, userinfoClaims: requestedClaims(grant.claims, 'userinfo') },
    });
    const accessToken = { jti: access.claims.jti, exp: access.claims.exp };
    const response: TokenResponse = {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: access.expiresIn,
      scope: grant.scope.join(' '),
    };

    // The refresh token's INSERT and the ID token's signature need only the access token:
    // they run side by side.
    const familyId = this.mayRefresh(grant)
      ? (grant.family?.id ?? this.refreshTokens.newFamilyId())
      : undefined;
    const [refresh, idToken] = await Promise.all([
      familyId === undefined
        ? undefined
        : this.refreshTokens.issue(
            client,
            {
              familyId,
              clientId: client.clientId,
              userId: user.id,
              sessionId: grant.sessionId,
              scope: grant.refreshScope ?? grant.scope,
              claims: grant.claims,
              resources: grant.resources,
              authTime: grant.authTime,
              amr: grant.amr,
              acr: grant.acr,
              familyExpiresAt: grant.family?.expiresAt,
            },
            accessToken,
          ),
      grant.scope.includes('openid') ? this.idToken(grant, subject, access.token) : undefined,
    ]);
    if (refresh) response.refresh_token = refresh.token;
    if (idToken) response.id_token = idToken;
    return { response, accessToken, familyId };
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
      // Core §5.5: claims asked for in the ID token itself; Core §5.4 lets the scope claims
      // go there too when UserInfo is not an option for the client (ID_TOKEN_SCOPE_CLAIMS).
      claims: selectClaims(userClaims(grant.user), [
        ...requestedClaims(grant.claims, 'id_token'),
        ...(this.config.authorization.idTokenScopeClaims ? claimsForScopes(grant.scope) : []),
      ]),
    });
  }

  private mayRefresh(grant: UserGrant): boolean {
    if (!grant.client.metadata.grant_types.includes('refresh_token')) return false;
    // Core §11: in an OpenID Connect grant only with offline_access; plain OAuth by grant type.
    const scope = grant.refreshScope ?? grant.scope;
    return !scope.includes('openid') || scope.includes('offline_access');
  }
}
