import {
  ClientRegistrationMetadata,
  ClientUpdateRequest,
} from '../clients/client-metadata.openapi.js';
import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Inject,
  Param,
  Ip,
  Post,
  Put,
} from '@nestjs/common';
import { NoStore } from '../common/no-store.js';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { InvalidRequest } from '../common/errors/oauth-error.js';
import { presentedAccessToken } from '../token/presented-access-token.js';
import {
  ApiInvalidMetadataResponse,
  ApiInvalidTokenResponse,
  ClientInformationResponse,
} from './registration.openapi.js';
import {
  REGISTRATION_PATH,
  RegistrationService,
  type ClientInformation,
} from './registration.service.js';

const EXAMPLE = {
  client_name: 'Orders web app',
  redirect_uris: ['https://orders.example.com/callback'],
  grant_types: ['authorization_code', 'refresh_token'],
  token_endpoint_auth_method: 'client_secret_basic',
  scope: 'openid profile email',
};

/**
 * The token of the Authorization header, or undefined without one: whether one is needed is
 * the service's to say (open registration needs none).
 */
function bearer(authorization: string | undefined): string | undefined {
  const presented = presentedAccessToken({ authorization });
  if (presented.kind === 'absent') return undefined;
  // Registration access tokens are never DPoP-bound (RFC 7592 §3: Bearer).
  if (presented.kind === 'malformed' || presented.scheme !== 'Bearer')
    throw new InvalidRequest('The Authorization header must be "Bearer <token>"');
  return presented.token;
}

function requireJson(contentType: string | undefined): void {
  if (!/^application\/json\s*(;|$)/i.test(contentType ?? '')) {
    throw new InvalidRequest('The body must be application/json');
  }
}

@ApiTags('registration')
@ApiBearerAuth()
@Controller(REGISTRATION_PATH)
export class RegistrationController {
  constructor(@Inject(RegistrationService) private readonly registration: RegistrationService) {}

  @Post()
  @NoStore({ pragma: true })
  @HttpCode(201)
  @ApiOperation({
    summary: 'Dynamic client registration (OpenID Connect DCR 1.0 §3, RFC 7591 §3)',
    description:
      'Open, or with an initial access token as a bearer token, per REGISTRATION_MODE. Operator settings (audience, consent, lifespans) are ignored.',
  })
  @ApiBody({
    type: ClientRegistrationMetadata,
    examples: { web: { summary: 'A web application', value: EXAMPLE } },
  })
  @ApiSecurity({}) // open registration needs no token
  @ApiCreatedResponse({
    description: 'RFC 7591 §3.2.1 client information response',
    type: ClientInformationResponse,
  })
  @ApiInvalidMetadataResponse()
  @ApiInvalidTokenResponse()
  @ApiTooManyRequestsResponse({
    description: 'Open registration: too many from this address (REGISTRATION_ADDRESS_MAX)',
  })
  register(
    @Body() body: unknown,
    @Headers('authorization') authorization: string | undefined,
    @Headers('content-type') contentType: string | undefined,
    @Ip() address: string,
  ): Promise<ClientInformation> {
    requireJson(contentType);
    return this.registration.register(body, bearer(authorization), address);
  }

  @Get(':clientId')
  @NoStore({ pragma: true })
  @ApiOperation({ summary: 'RFC 7592 §2.1: read a registered client' })
  @ApiOkResponse({
    description: 'The client information response',
    type: ClientInformationResponse,
  })
  @ApiInvalidTokenResponse()
  read(
    @Param('clientId') clientId: string,
    @Headers('authorization') authorization: string | undefined,
  ): Promise<ClientInformation> {
    return this.registration.read(clientId, bearer(authorization));
  }

  @Put(':clientId')
  @NoStore({ pragma: true })
  @ApiOperation({ summary: 'RFC 7592 §2.2: replace a registered client’s metadata' })
  @ApiBody({
    type: ClientUpdateRequest,
    examples: {
      web: { summary: 'The same client', value: { client_id: 's6BhdRkqt3', ...EXAMPLE } },
    },
  })
  @ApiOkResponse({
    description: 'The client information response',
    type: ClientInformationResponse,
  })
  @ApiInvalidMetadataResponse()
  @ApiInvalidTokenResponse()
  update(
    @Param('clientId') clientId: string,
    @Body() body: unknown,
    @Headers('authorization') authorization: string | undefined,
    @Headers('content-type') contentType: string | undefined,
  ): Promise<ClientInformation> {
    requireJson(contentType);
    return this.registration.update(clientId, body, bearer(authorization));
  }

  @Delete(':clientId')
  @HttpCode(204)
  @ApiOperation({ summary: 'RFC 7592 §2.3: delete a registered client' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiInvalidTokenResponse()
  async delete(
    @Param('clientId') clientId: string,
    @Headers('authorization') authorization: string | undefined,
  ): Promise<void> {
    await this.registration.delete(clientId, bearer(authorization));
  }
}
