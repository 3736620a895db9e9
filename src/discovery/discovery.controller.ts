import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AnyOrigin } from '../common/cors.js';
import { ProviderMetadata } from './discovery.openapi.js';
import { ProviderMetadataService } from './discovery.service.js';

@ApiTags('discovery')
@Controller('.well-known')
export class DiscoveryController {
  constructor(
    @Inject(ProviderMetadataService) private readonly metadata: ProviderMetadataService,
  ) {}

  @Get('openid-configuration')
  @ApiOperation({ summary: 'OpenID Connect Discovery 1.0 §4' })
  @ApiOkResponse({
    description: 'Provider metadata, cacheable for 5 minutes',
    type: ProviderMetadata,
  })
  @Header('cache-control', 'public, max-age=300')
  @AnyOrigin()
  openidConfiguration(@Res() reply: FastifyReply): void {
    void reply.type('application/json; charset=utf-8').send(this.metadata.json);
  }

  @Get('oauth-authorization-server')
  @ApiOperation({ summary: 'RFC 8414 §3: authorization server metadata' })
  @ApiOkResponse({
    description: 'Authorization server metadata: the same document',
    type: ProviderMetadata,
  })
  @Header('cache-control', 'public, max-age=300')
  @AnyOrigin()
  oauthAuthorizationServer(@Res() reply: FastifyReply): void {
    void reply.type('application/json; charset=utf-8').send(this.metadata.json);
  }
}
