import { Inject, Injectable } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { InvalidGrant, InvalidScope } from '../../common/errors/oauth-error.js';
import { spacedList } from '../../common/scopes.js';
import { UsersService } from '../../users/users.service.js';
import { RefreshTokens } from '../refresh-tokens.js';
import { UserTokens } from '../user-tokens.js';
import { InvalidTarget } from '../../common/errors/oauth-error.js';
import { resourceIndicators } from '../../common/resource-indicators.js';
import { ResourceServers } from '../../resources/resource-servers.service.js';
import { ResourceParameter } from './target-parameters.js';
import { Grant, type GrantHandler, type TokenRequestContext, type TokenResponse } from './grant.js';

export class RefreshTokenParameters extends ResourceParameter {
  @ApiProperty({
    type: 'string',
    maxLength: 100,
    description:
      'The latest refresh token of the family; each use returns a new one, and reusing an old one revokes the family',
    example: 'tGzv3JOkF0XG5Qx2TlKWIA8QvaVkrQwPm1c4L4tYh6E',
  })
  @IsString({ message: 'refresh_token is required' })
  @MaxLength(100)
  refresh_token!: string;

  /** RFC 6749 §6: a narrower scope; never wider than granted. */
  @ApiPropertyOptional({
    type: 'string',
    maxLength: 2000,
    description: 'RFC 6749 §6: a narrower scope than granted; by default the one granted',
    example: 'openid profile',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  scope?: string;
}

/**
 * RFC 6749 §6 with rotation (RFC 9700 §4.14.2): every use gives a new refresh token in the same
 * family, a new access token and, for `openid`, a new ID token for the same sign-in (Core
 * §12.2: same `iss`, `sub`, `aud`, `azp`, `auth_time`; new `iat`; no `nonce`).
 */
@Injectable()
@Grant({ type: 'refresh_token', parameters: RefreshTokenParameters, multiValued: ['resource'] })
export class RefreshTokenGrant implements GrantHandler<RefreshTokenParameters> {
  constructor(
    @Inject(RefreshTokens) private readonly refreshTokens: RefreshTokens,
    @Inject(UserTokens) private readonly userTokens: UserTokens,
    @Inject(UsersService) private readonly users: UsersService,
    @Inject(ResourceServers) private readonly resourceServers: ResourceServers,
  ) {}

  async handle({
    client: { client },
    parameters: params,
    dpop,
  }: TokenRequestContext<RefreshTokenParameters>): Promise<TokenResponse> {
    const asked = params.scope === undefined ? undefined : spacedList(params.scope);
    const targets = resourceIndicators(params.resource);
    (await this.resourceServers.catalog()).checkTargets(client, targets);
    // A scope or resource wider than granted is refused without using the token, so the
    // client keeps it.
    const rotation = await this.refreshTokens.rotate(params.refresh_token, client, {
      scope: asked,
      resources: targets.length > 0 ? targets : undefined,
      jkt: dpop?.jkt,
    });
    if (rotation.outcome === 'wider')
      throw new InvalidScope(`The scope ${rotation.scope.slice(0, 40)} was not granted`);
    if (rotation.outcome === 'other-target')
      throw new InvalidTarget(
        `${rotation.target.slice(0, 40)} was not requested in the authorization request: ask for it there`,
      );
    if (rotation.outcome === 'replayed')
      throw new InvalidGrant('The refresh token was already used; its grant is revoked');
    // RFC 9449 §5.8: a public client's token needs a proof by the key it is bound to.
    if (rotation.outcome === 'wrong-key')
      throw new InvalidGrant('The refresh token is bound to another DPoP key');
    if (rotation.outcome === 'invalid')
      throw new InvalidGrant('The refresh token is invalid, expired or revoked');
    const { grant } = rotation;

    const user = await this.users.findById(grant.userId);
    if (!user || user.disabled) {
      await this.refreshTokens.revokeFamily(grant.familyId);
      throw new InvalidGrant('The user can no longer sign in');
    }
    const { response } = await this.userTokens
      .issue({
        client,
        user,
        // A narrower request narrows these tokens only; the family keeps what was granted.
        scope: asked ?? grant.scope,
        claims: grant.claims,
        resources: grant.resources,
        targets,
        authTime: grant.authTime,
        amr: grant.amr,
        acr: grant.acr,
        sessionId: grant.sessionId,
        family: { id: grant.familyId, next: rotation.next },
        dpop,
      })
      .catch(async (e: unknown) => {
        // A resource of the grant the client may no longer ask for: the family is over.
        if (e instanceof InvalidTarget) await this.refreshTokens.revokeFamily(grant.familyId);
        throw e;
      });
    return response;
  }
}
