import { Inject, Injectable } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsString } from 'class-validator';
import {
  DEVICE_CODE_GRANT,
  DeviceAuthorizations,
} from '../../authorization/device-authorizations.js';
import {
  AuthorizationPending,
  DeviceAccessDenied,
  ExpiredToken,
  InvalidGrant,
  SlowDown,
} from '../../common/errors/oauth-error.js';
import { UsersService } from '../../users/users.service.js';
import { UserTokens } from '../user-tokens.js';
import { resourceIndicators } from '../../common/resource-indicators.js';
import { ResourceParameter } from './target-parameters.js';
import { Grant, type GrantHandler, type TokenRequestContext, type TokenResponse } from './grant.js';

export class DeviceCodeParameters extends ResourceParameter {
  @ApiProperty({
    type: 'string',
    maxLength: 100,
    description: 'The device_code from /device_authorization (RFC 8628 §3.4)',
    example: 'GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS',
  })
  // Anything but a 256-bit handle is unknown (DeviceAuthorizations.poll), whatever its length.
  @IsString({ message: 'device_code is required' })
  device_code!: string;
}

/**
 * RFC 8628 §3.4–3.5: the device polls until its user has answered at the verification page;
 * then the tokens of a sign-in (the user's session, its authentication), once.
 */
@Injectable()
@Grant({ type: DEVICE_CODE_GRANT, parameters: DeviceCodeParameters, multiValued: ['resource'] })
export class DeviceCodeGrant implements GrantHandler<DeviceCodeParameters> {
  constructor(
    @Inject(DeviceAuthorizations) private readonly devices: DeviceAuthorizations,
    @Inject(UserTokens) private readonly userTokens: UserTokens,
    @Inject(UsersService) private readonly users: UsersService,
  ) {}

  async handle({
    client: { client },
    parameters,
    dpop,
  }: TokenRequestContext<DeviceCodeParameters>): Promise<TokenResponse> {
    const targets = resourceIndicators(parameters.resource);
    const poll = await this.devices.poll(parameters.device_code, client.clientId);
    switch (poll.outcome) {
      case 'unknown':
        throw new InvalidGrant('The device_code is not known, or its tokens were already issued');
      case 'expired':
        throw new ExpiredToken('The device_code has expired; start again');
      case 'slow_down':
        throw new SlowDown('Polling too fast; wait the interval between polls');
      case 'pending':
        throw new AuthorizationPending('The user has not answered yet');
      case 'denied':
        throw new DeviceAccessDenied('The user denied the request');
    }
    const { request, decision } = poll;
    const user = await this.users.findById(decision.userId);
    if (!user || user.disabled) throw new InvalidGrant('The user can no longer sign in');
    const { response } = await this.userTokens.issue({
      client,
      user,
      scope: request.scope,
      claims: {},
      resources: request.resources,
      targets,
      authTime: decision.authTime,
      amr: decision.amr,
      acr: decision.acr,
      sessionId: decision.sessionId,
      // RFC 9449: a proof with the poll binds the tokens (a public client's refresh token too).
      dpop,
    });
    return response;
  }
}
