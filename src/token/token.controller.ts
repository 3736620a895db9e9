import { Metrics } from '../metrics/metrics.js';
import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Inject,
  Options,
  Post,
  Req,
  Res,
} from '@nestjs/common';
import { NoStore } from '../common/no-store.js';
import { requestUrl } from '../common/request-url.js';
import { ApiOAuthError } from '../common/errors/oauth-error.openapi.js';
import { answerPreflight, CorsEndpoint } from '../common/cors.js';
import { ApiPreflight } from '../common/cors.openapi.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Negotiator from 'negotiator';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentClient } from '../clients/auth/client-auth.guard.js';
import type { AuthenticatedClient } from '../clients/auth/client-authenticator.js';
import { MultiValued } from '../common/form-body.guard.js';
import { InvalidRequest, MethodNotAllowed, OAuthError } from '../common/errors/oauth-error.js';
import { outageOf } from '../common/errors/unavailable.js';
import { multiValuedGrantParameters, type TokenResponse } from './grants/grant.js';
import {
  IntrospectionEndpointDocs,
  RevocationEndpointDocs,
  TokenEndpointDocs,
} from './token.openapi.js';
import { TokenService } from './token.service.js';
import {
  INTROSPECTION_JWT,
  IntrospectionService,
  type IntrospectionAnswer,
} from './introspection.service.js';
import { RevocationService } from './revocation.service.js';
import { DpopProofs } from './dpop.js';
import { RateLimitedClientAuthentication } from '../rate-limits/rate-limits.js';

export const TOKEN_PATH = '/token';
export const INTROSPECTION_PATH = '/introspect';
export const REVOCATION_PATH = '/revoke';

/** JSON first: it answers an Accept that names neither, or any type (RFC 9110 §12.5.1). */
const INTROSPECTION_MEDIA_TYPES = ['application/json', INTROSPECTION_JWT];

const methodNotAllowed = () =>
  new MethodNotAllowed('Use POST with an application/x-www-form-urlencoded body', 'POST');

@ApiTags('oauth')
@Controller()
export class TokenController {
  constructor(
    @Inject(TokenService) private readonly tokens: TokenService,
    @Inject(IntrospectionService) private readonly introspection: IntrospectionService,
    @Inject(RevocationService) private readonly revocation: RevocationService,
    @Inject(DpopProofs) private readonly dpop: DpopProofs,
    @Inject(Metrics) private readonly metrics: Metrics,
  ) {}

  @Post(TOKEN_PATH)
  @HttpCode(200)
  @RateLimitedClientAuthentication('token')
  @MultiValued(multiValuedGrantParameters)
  @NoStore({ pragma: true })
  @ApiOperation({ summary: 'RFC 6749 §3.2 token endpoint: one handler per grant_type' })
  @TokenEndpointDocs()
  async token(
    @CurrentClient() client: AuthenticatedClient,
    @Body() body: Record<string, unknown>,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenResponse> {
    // RFC 9449 §8.2: with DPOP_NONCE, every answer tells the client the nonce to use next.
    const nonce = this.dpop.currentNonce();
    if (nonce !== undefined) void reply.header('dpop-nonce', nonce);
    const grantType = this.tokens.knownGrantType(body.grant_type);
    const count = (outcome: string) =>
      this.metrics.grants.inc({
        grant_type: grantType,
        client_id: client.client.clientId,
        outcome,
      });
    try {
      const answer = await this.tokens.exchange({
        client,
        body,
        headers: req.headers,
        url: requestUrl(req),
      });
      count('success');
      return answer;
    } catch (e) {
      count(
        e instanceof OAuthError
          ? e.error
          : outageOf(e)
            ? 'temporarily_unavailable'
            : 'server_error',
      );
      throw e;
    }
  }

  @Post(INTROSPECTION_PATH)
  @HttpCode(200)
  @RateLimitedClientAuthentication('introspection')
  @NoStore({ pragma: true })
  @ApiOperation({ summary: 'RFC 7662 token introspection' })
  @IntrospectionEndpointDocs()
  async introspect(
    @CurrentClient() caller: AuthenticatedClient,
    @Body() body: Record<string, unknown>,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IntrospectionAnswer | string> {
    const answer = await this.introspection.introspect(caller, requireToken(body));
    // RFC 9701 §4: a JWT when the caller's Accept prefers one; JSON otherwise (RFC 7662).
    if (new Negotiator(req).mediaType(INTROSPECTION_MEDIA_TYPES) !== INTROSPECTION_JWT)
      return answer;
    void reply.type(INTROSPECTION_JWT);
    return this.introspection.signed(caller.client, answer);
  }

  @Post(REVOCATION_PATH)
  @HttpCode(200)
  @RateLimitedClientAuthentication('revocation')
  @NoStore()
  @ApiOperation({ summary: 'RFC 7009 token revocation' })
  @RevocationEndpointDocs()
  revoke(
    @CurrentClient() { client }: AuthenticatedClient,
    @Body() body: Record<string, unknown>,
  ): Promise<void> {
    return this.revocation.revoke(client, requireToken(body));
  }

  /**
   * CORS preflight. Any origin may ask; whether it may read the answer is decided per client
   * on the real request (ClientCorsGuard), once the client is known.
   */
  @Options([TOKEN_PATH, INTROSPECTION_PATH, REVOCATION_PATH])
  @HttpCode(204)
  @ApiPreflight()
  preflight(
    @Headers('origin') origin: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): void {
    answerPreflight(reply, origin, {
      methods: 'POST',
      headers: 'authorization, content-type, dpop',
    });
  }

  @Get(TOKEN_PATH)
  @CorsEndpoint('client')
  @ApiOperation({ summary: 'Not allowed: use POST', deprecated: true })
  @ApiOAuthError(
    405,
    'The token endpoint takes POST only (RFC 6749 §3.2)',
    {
      invalid_request: {
        error: 'invalid_request',
        error_description: 'Use POST with an application/x-www-form-urlencoded body',
      },
    },
    { Allow: { description: 'POST', schema: { type: 'string' } } },
  )
  tokenGet(): never {
    throw methodNotAllowed();
  }
}

function requireToken(body: Record<string, unknown>): string {
  const token = body.token;
  if (typeof token !== 'string' || token.length === 0)
    throw new InvalidRequest('token is required');
  return token;
}
