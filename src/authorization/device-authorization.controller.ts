import { Body, Controller, Headers, HttpCode, Inject, Options, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentClient } from '../clients/auth/client-auth.guard.js';
import type { AuthenticatedClient } from '../clients/auth/client-authenticator.js';
import { answerPreflight } from '../common/cors.js';
import { ApiPreflight } from '../common/cors.openapi.js';
import { InvalidRequest, UnauthorizedClient } from '../common/errors/oauth-error.js';
import { MultiValued } from '../common/form-body.guard.js';
import { NoStore } from '../common/no-store.js';
import { resourceIndicators } from '../common/resource-indicators.js';
import { ResourceServers } from '../resources/resource-servers.service.js';
import { endpointUrl } from '../common/urls.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { readScope } from './authorization-request.js';
import { DeviceAuthorizationDocs } from './device-authorization.openapi.js';
import { DEVICE_CODE_GRANT, DeviceAuthorizations } from './device-authorizations.js';
import { RateLimitedClientAuthentication } from '../rate-limits/rate-limits.js';

export const DEVICE_AUTHORIZATION_PATH = '/device_authorization';
/** The verification page of the interaction module (RFC 8628 §3.3). */
export const DEVICE_VERIFICATION_PATH = '/device';

/**
 * RFC 8628 §3.1–3.2: a device without a browser (a TV, a CLI) asks for a device code and a
 * user code; its user enters the code on another device at the verification page, and the
 * device polls `/token` until the user has answered.
 */
@ApiTags('oauth')
@Controller()
export class DeviceAuthorizationController {
  constructor(
    @Inject(DeviceAuthorizations) private readonly devices: DeviceAuthorizations,
    @Inject(ResourceServers) private readonly resourceServers: ResourceServers,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post(DEVICE_AUTHORIZATION_PATH)
  @HttpCode(200)
  @RateLimitedClientAuthentication('device_authorization')
  @MultiValued(['resource'])
  @NoStore({ pragma: true })
  @ApiOperation({ summary: 'RFC 8628 §3.1 device authorization endpoint' })
  @DeviceAuthorizationDocs()
  async authorize(
    @CurrentClient() { client }: AuthenticatedClient,
    @Body() body: Record<string, string | string[] | undefined>,
  ) {
    const metadata = client.metadata;
    if (!metadata.grant_types.includes(DEVICE_CODE_GRANT))
      throw new UnauthorizedClient('This client may not use the device authorization grant');
    if (Array.isArray(body.scope)) throw new InvalidRequest('Parameter scope is repeated');
    const catalog = await this.resourceServers.catalog();
    const resources = resourceIndicators(body.resource);
    catalog.checkTargets(client, resources);
    const scope = catalog.scopesFor(
      readScope(body.scope === '' ? undefined : body.scope, metadata),
      catalog.audienceOf(client, resources),
    );
    const { deviceCode, userCode, expiresIn } = await this.devices.start(client, scope, resources);
    const verificationUri = endpointUrl(this.config, DEVICE_VERIFICATION_PATH);
    return {
      device_code: deviceCode,
      user_code: userCode,
      verification_uri: verificationUri,
      verification_uri_complete: `${verificationUri}?${new URLSearchParams({ user_code: userCode }).toString()}`,
      expires_in: expiresIn,
      interval: this.devices.intervalSeconds,
    };
  }

  /** CORS preflight, as at /token. */
  @Options(DEVICE_AUTHORIZATION_PATH)
  @HttpCode(204)
  @ApiPreflight()
  preflight(
    @Headers('origin') origin: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): void {
    answerPreflight(reply, origin, { methods: 'POST', headers: 'authorization, content-type' });
  }
}
