import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { AuthorizationCodes, type CodeGrant } from '../../authorization/authorization-codes.js';
import { safeEqual } from '../../common/safe-equal.js';
import { InvalidGrant } from '../../common/errors/oauth-error.js';
import { UsersService } from '../../users/users.service.js';
import { AccessTokens } from '../access-tokens.js';
import { RefreshTokens } from '../refresh-tokens.js';
import { UserTokens } from '../user-tokens.js';
import { resourceIndicators } from '../../common/resource-indicators.js';
import { ResourceParameter } from './target-parameters.js';
import { Grant, type GrantHandler, type TokenRequestContext, type TokenResponse } from './grant.js';

export class AuthorizationCodeParameters extends ResourceParameter {
  @ApiProperty({
    type: 'string',
    maxLength: 100,
    description: 'The code from the authorization response: one use, for this client only',
    example: 'SplxlOBeZQQYbYS6WxSbIA3HBcLi1oCH3K2JGb5H9Vc',
  })
  @IsString({ message: 'code is required' })
  @MaxLength(100)
  code!: string;

  @ApiPropertyOptional({
    type: 'string',
    format: 'uri',
    maxLength: 2000,
    description:
      'Required, and the same, when the authorization request sent one (RFC 6749 §4.1.3)',
    example: 'https://reports.example.com/callback',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  redirect_uri?: string;

  @ApiPropertyOptional({
    type: 'string',
    minLength: 43,
    maxLength: 128,
    description:
      'RFC 7636 §4.5: the PKCE verifier, when the authorization request had a code_challenge',
    example: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  code_verifier?: string;
}

/** RFC 7636 §4.1: 43 to 128 characters of the unreserved set. */
const CODE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

/** RFC 6749 §4.1.3, OpenID Connect Core §3.1.3: a code for tokens. */
@Injectable()
@Grant({
  type: 'authorization_code',
  parameters: AuthorizationCodeParameters,
  multiValued: ['resource'],
})
export class AuthorizationCodeGrant implements GrantHandler<AuthorizationCodeParameters> {
  constructor(
    @Inject(AuthorizationCodes) private readonly codes: AuthorizationCodes,
    @Inject(AccessTokens) private readonly accessTokens: AccessTokens,
    @Inject(RefreshTokens) private readonly refreshTokens: RefreshTokens,
    @Inject(UserTokens) private readonly userTokens: UserTokens,
    @Inject(UsersService) private readonly users: UsersService,
  ) {}

  async handle({
    client: { client },
    parameters: params,
    dpop,
  }: TokenRequestContext<AuthorizationCodeParameters>): Promise<TokenResponse> {
    // Malformed targets are refused before the code is used, so the client can try again.
    const targets = resourceIndicators(params.resource);
    // RFC 6749 §4.1.2: a code used twice takes back what it issued.
    const redemption = await this.codes.redeem(params.code, client.clientId, async (issued) => {
      await this.accessTokens.revoke({ jti: issued.accessTokenJti, exp: issued.accessTokenExp });
      if (issued.refreshFamilyId) await this.refreshTokens.revokeFamily(issued.refreshFamilyId);
    });
    if (redemption.outcome === 'unknown')
      throw new InvalidGrant('The code is invalid or has expired');
    if (redemption.outcome === 'replayed')
      throw new InvalidGrant('The code was already used; the tokens it gave are revoked');
    if (redemption.outcome === 'wrong-client')
      throw new InvalidGrant('The code was issued to another client');
    const { grant, finish } = redemption;

    // §4.1.3: the same redirect_uri when the authorization request had one.
    if (grant.redirectUriSent || params.redirect_uri !== undefined) {
      if (params.redirect_uri !== grant.redirectUri)
        throw new InvalidGrant('redirect_uri does not match the authorization request');
    }
    checkPkce(grant, params.code_verifier);
    // RFC 9449 §10: a code bound to a DPoP key needs a proof by that key.
    if (grant.dpopJkt !== undefined && dpop?.jkt !== grant.dpopJkt)
      throw new InvalidGrant('The code is bound to another DPoP key (dpop_jkt)');

    const user = await this.users.findById(grant.userId);
    if (!user || user.disabled) throw new InvalidGrant('The user can no longer sign in');
    const { response, accessToken, familyId } = await this.userTokens.issue({
      client,
      user,
      scope: grant.scope,
      claims: grant.claims,
      resources: grant.resources,
      targets,
      authTime: grant.authTime,
      amr: grant.amr,
      acr: grant.acr,
      sessionId: grant.sessionId,
      nonce: grant.nonce,
      dpop,
    });
    await finish({
      accessTokenJti: accessToken.jti,
      accessTokenExp: accessToken.exp,
      ...(familyId !== undefined && { refreshFamilyId: familyId }),
    });
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
  if (!safeEqual(derived, grant.codeChallenge))
    throw new InvalidGrant('code_verifier does not match the code_challenge');
}
