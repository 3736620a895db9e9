import { Inject, Injectable } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { InvalidScope, UnauthorizedClient } from '../../common/errors/oauth-error.js';
import { ADMIN_RESOURCE_PATH, ADMIN_SCOPE } from '../../clients/client-metadata.js';
import { resourceIndicators } from '../../common/resource-indicators.js';
import { ResourceServers } from '../../resources/resource-servers.service.js';
import { spacedList } from '../../common/scopes.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { AccessTokens } from '../access-tokens.js';
import { Grant, type GrantHandler, type TokenRequestContext, type TokenResponse } from './grant.js';
import { TargetParameters } from './target-parameters.js';

export class ClientCredentialsParameters extends TargetParameters {
  @ApiPropertyOptional({
    type: 'string',
    maxLength: 2000,
    description:
      'Space-separated scopes, each one the client registered; by default all of them but admin',
    example: 'invoices:read',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  scope?: string;
}

/** Scopes about an end user, meaningless in a token a client gets for itself. */
const USER_SCOPES = new Set(['openid', 'offline_access']);

const list = (v: string | string[] | undefined) =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

/** RFC 6749 §4.4: a client obtains a token for itself. */
@Injectable()
@Grant({
  type: 'client_credentials',
  parameters: ClientCredentialsParameters,
  multiValued: ['resource', 'audience'],
})
export class ClientCredentialsGrant implements GrantHandler<ClientCredentialsParameters> {
  private readonly adminResource: string;

  constructor(
    @Inject(AccessTokens) private readonly accessTokens: AccessTokens,
    @Inject(ResourceServers) private readonly resourceServers: ResourceServers,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.adminResource = config.issuer + ADMIN_RESOURCE_PATH;
  }

  async handle({
    client: { client },
    parameters: params,
    dpop,
  }: TokenRequestContext<ClientCredentialsParameters>): Promise<TokenResponse> {
    const metadata = client.metadata;
    // §4.4: for confidential clients only, whatever the stored metadata says.
    if (metadata.public) {
      throw new UnauthorizedClient('This client may not use the client_credentials grant');
    }
    const allowed = spacedList(metadata.scope);
    let asked: string[];
    if (params.scope === undefined) {
      // The admin scope only when asked for by name: a token for a service must not carry it.
      asked = allowed.filter((s) => !USER_SCOPES.has(s) && s !== ADMIN_SCOPE);
    } else {
      asked = spacedList(params.scope);
      for (const s of asked) {
        if (USER_SCOPES.has(s))
          throw new InvalidScope(`${s} is for end-user sign-in, not for client_credentials`);
        if (!allowed.includes(s))
          throw new InvalidScope(`This client may not request the scope ${s}`);
      }
    }

    const requested = [
      ...new Set([...resourceIndicators(params.resource), ...list(params.audience)]),
    ];
    const mayAdmin = allowed.includes(ADMIN_SCOPE);
    const catalog = await this.resourceServers.catalog();
    catalog.checkTargets(client, requested, (a) => a === this.adminResource && mayAdmin);
    // A declared resource's scopes only in a token for it (RFC 6749 §3.3: the answer says which).
    const scope = catalog.scopesFor(asked, catalog.audienceOf(client, requested));
    const { token, expiresIn } = await this.accessTokens.issue({
      client,
      subject: client.clientId,
      scope,
      audience: requested,
      dpopJkt: dpop?.jkt,
    });
    return {
      access_token: token,
      token_type: dpop ? 'DPoP' : 'Bearer',
      expires_in: expiresIn,
      ...(scope.length > 0 ? { scope: scope.join(' ') } : {}),
    };
  }
}
