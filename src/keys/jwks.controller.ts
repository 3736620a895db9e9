import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AnyOrigin } from '../common/cors.js';
import { JwkSet } from './jwks.openapi.js';
import { KeysService } from './keys.service.js';

export const JWKS_PATH = '/jwks';

@ApiTags('keys')
@Controller()
export class JwksController {
  constructor(@Inject(KeysService) private readonly keys: KeysService) {}

  @Get(JWKS_PATH)
  @ApiOperation({ summary: 'The public signing keys (RFC 7517): next, active and retired' })
  @ApiProduces('application/jwk-set+json')
  @ApiOkResponse({
    description:
      'A JWK Set with public members only; cacheable for min(600 s, KEY_PREPUBLISH_PERIOD / 2)',
    type: JwkSet,
  })
  @AnyOrigin()
  jwks(@Res() reply: FastifyReply): void {
    void reply
      .header('cache-control', `public, max-age=${this.keys.jwksMaxAge}`)
      .type('application/jwk-set+json; charset=utf-8')
      .send(this.keys.ring.jwksJson);
  }
}
