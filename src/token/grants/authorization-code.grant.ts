import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { AuthorizationCodes, type CodeGrant } from '../../authorization/authorization-codes.js';
import { requestedClaims } from '../../authorization/claims-request.js';
import type { AuthenticatedClient } from '../../clients/auth/client-authenticator.js';
import { InvalidGrant, UnauthorizedClient } from '../../common/errors/oauth-error.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { Subjects } from '../../users/subjects.js';
import { claimsForScopes, selectClaims, userClaims } from '../../users/user-claims.js';
import { UsersService } from '../../users/users.service.js';
import { AccessTokens } from '../access-tokens.js';
import { IdTokens } from '../id-tokens.js';
import { Grant, type GrantHandler, type TokenResponse } from './grant.js';

export class AuthorizationCodeParameters {
  @IsString({ message: 'code is required' })
  @MaxLength(100)
  code!: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  redirect_uri?: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  code_verifier?: string;
}

/** RFC 7636 §4.1: 43 to 128 characters of the unreserved set. */
const CODE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

/** RFC 6749 §4.1.3, OpenID Connect Core §3.1.3: a code for tokens. */
@Injectable()
@Grant('authorization_code')
export class AuthorizationCodeGrant implements GrantHandler<AuthorizationCodeParameters> {
  readonly parameters = AuthorizationCodeParameters;

  constructor(
    @Inject(AuthorizationCodes) private readonly codes: AuthorizationCodes,
    @Inject(AccessTokens) private readonly accessTokens: AccessTokens,
    @Inject(IdTokens) private readonly idTokens: IdTokens,
    @Inject(UsersService) private readonly users: UsersService,
    @Inject(Subjects) private readonly subjects: Subjects,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async handle(
    { client }: AuthenticatedClient,
    params: AuthorizationCodeParameters,
  ): Promise<TokenResponse> {
    if (!client.metadata.grant_types.includes('authorization_code')) {
      throw new UnauthorizedClient('This client may not use the authorization_code grant');
    }
    const redemption = await this.codes.redeem(params.code, (issued) =>
      // RFC 6749 §4.1.2: a code used twice takes back what it issued.
      this.accessTokens.revoke({ jti: issued.accessTokenJti, exp: issued.accessTokenExp }),
    );
    if (redemption.outcome === 'unknown')
      throw new InvalidGrant('The code is invalid or has expired');
    if (redemption.outcome === 'replayed')
      throw new InvalidGrant('The code was already used; the tokens it gave are revoked');
    const { grant, finish } = redemption;

    if (grant.clientId !== client.clientId)
      throw new InvalidGrant('The code was issued to another client');
    // §4.1.3: the same redirect_uri when the authorization request had one.
    if (grant.redirectUriSent || params.redirect_uri !== undefined) {
      if (params.redirect_uri !== grant.redirectUri)
        throw new InvalidGrant('redirect_uri does not match the authorization request');
    }
    checkPkce(grant, params.code_verifier);

    const user = await this.users.findById(grant.userId);
    if (!user || user.disabled) throw new InvalidGrant('The user can no longer sign in');
    const subject = this.subjects.subjectFor(user.id, client.metadata);

    const audience =
      grant.resources.length > 0
        ? grant.resources
        : client.metadata.audience.length > 0
          ? client.metadata.audience
          : [this.config.issuer];
    const access = await this.accessTokens.issue({
      client,
      subject,
      scope: grant.scope,
      audience,
      extra: { auth_time: grant.authTime, acr: grant.acr, amr: grant.amr },
      endUser: {
        userId: user.id,
        userinfoClaims: requestedClaims(grant.claims, 'userinfo'),
      },
    });
    await finish({ accessTokenJti: access.claims.jti, accessTokenExp: access.claims.exp });

    const response: TokenResponse = {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: access.expiresIn,
      scope: grant.scope.join(' '),
    };
    if (grant.scope.includes('openid')) {
      response.id_token = await this.idTokens.issue({
        client,
        subject,
        nonce: grant.nonce,
        includeAuthTime:
          grant.includeAuthTime || requestedClaims(grant.claims, 'id_token').includes('auth_time'),
        authentication: {
          authTime: grant.authTime,
          amr: grant.amr,
          acr: grant.acr,
          sid: grant.sessionId,
        },
        accessToken: access.token,
        // Core §5.5: claims asked for in the ID token itself; Core §5.4 lets the scope claims
        // go there too when UserInfo is not an option for the client (ID_TOKEN_SCOPE_CLAIMS).
        claims: selectClaims(userClaims(user), [
          ...requestedClaims(grant.claims, 'id_token'),
          ...(this.config.authorization.idTokenScopeClaims ? claimsForScopes(grant.scope) : []),
        ]),
      });
    }
    return response;
  }
}

/** RFC 7636 §4.6; without a challenge, a verifier is refused (RFC 9700 §2.1.1, downgrade). */
function checkPkce(grant: CodeGrant, verifier: string | undefined): void {
  if (grant.codeChallenge === undefined) {
    if (verifier !== undefined)
      throw new InvalidGrant('code_verifier was sent but the authorization request had no PKCE');
    return;
  }
  if (verifier === undefined) throw new InvalidGrant('code_verifier is required');
  if (!CODE_VERIFIER.test(verifier))
    throw new InvalidGrant('code_verifier must be 43 to 128 characters of [A-Za-z0-9-._~]');
  const derived =
    grant.codeChallengeMethod === 'S256'
      ? createHash('sha256').update(verifier, 'ascii').digest('base64url')
      : verifier;
  const a = Buffer.from(derived);
  const b = Buffer.from(grant.codeChallenge);
  if (a.length !== b.length || !timingSafeEqual(a, b))
    throw new InvalidGrant('code_verifier does not match the code_challenge');
}
