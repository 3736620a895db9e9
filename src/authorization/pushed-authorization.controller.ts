import {
  Body,
  Controller,
  Headers,
  HttpCode,
  Inject,
  Options,
  Post,
  Req,
  Res,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentClient } from '../clients/auth/client-auth.guard.js';
import type { AuthenticatedClient } from '../clients/auth/client-authenticator.js';
import {
  InvalidDpopProof,
  InvalidRequest,
  OAuthRedirectError,
} from '../common/errors/oauth-error.js';
import { requestUrl } from '../common/request-url.js';
import { DpopProofs } from '../token/dpop.js';
import { MultiValued } from '../common/form-body.guard.js';
import { NoStore } from '../common/no-store.js';
import { answerPreflight } from '../common/cors.js';
import { ApiPreflight } from '../common/cors.openapi.js';
import type { RawParameters } from './authorization-request.js';
import { AuthorizationService } from './authorization.service.js';
import { PushedAuthorizationDocs } from './pushed-authorization.openapi.js';
import { PushedRequests } from './pushed-requests.js';
import { RequestObjects } from './request-objects.js';
import { RateLimitedClientAuthentication } from '../rate-limits/rate-limits.js';

export const PUSHED_AUTHORIZATION_PATH = '/par';

/**
 * RFC 9126: a client pushes its authorization request, authenticated as at `/token`, and gets
 * a `request_uri` to send the browser to `/authorize` with. The request is checked here as
 * `/authorize` would check it, and every error is a JSON answer to the client (§2.3), never a
 * redirect: the browser is not part of this exchange.
 */
@ApiTags('openid')
@Controller()
export class PushedAuthorizationController {
  constructor(
    @Inject(AuthorizationService) private readonly authorization: AuthorizationService,
    @Inject(PushedRequests) private readonly pushed: PushedRequests,
    @Inject(RequestObjects) private readonly requestObjects: RequestObjects,
    @Inject(DpopProofs) private readonly dpop: DpopProofs,
  ) {}

  @Post(PUSHED_AUTHORIZATION_PATH)
  @HttpCode(201)
  @RateLimitedClientAuthentication('par')
  @MultiValued(['resource'])
  @NoStore({ pragma: true })
  @ApiOperation({ summary: 'RFC 9126 pushed authorization request endpoint' })
  @PushedAuthorizationDocs()
  async push(
    @CurrentClient() { client }: AuthenticatedClient,
    @Body() body: RawParameters,
    @Req() req: FastifyRequest,
  ): Promise<{ request_uri: string; expires_in: number }> {
    // §2.1: a pushed request cannot itself point at another one.
    if (body.request_uri !== undefined)
      throw new InvalidRequest('request_uri is not allowed in a pushed authorization request');
    // §2: the authenticated client is the request's client.
    const sent: RawParameters = { ...body, client_id: client.clientId };
    // Authentication parameters are the endpoint's, not the request's.
    for (const name of AUTHENTICATION_PARAMETERS) delete sent[name];
    // §3: a request object may be pushed; its claims are then the request (RFC 9101 §6.3).
    const signed = sent.request !== undefined;
    const params = signed ? await this.requestObjects.resolve(sent) : sent;
    // RFC 9449 §10.1: a proof with the push binds the code to its key, as dpop_jkt would.
    const proof = await this.dpop.atTokenEndpoint({
      headers: req.headers,
      method: 'POST',
      url: requestUrl(req),
    });
    if (proof) {
      if (params.dpop_jkt !== undefined && params.dpop_jkt !== proof.jkt)
        throw new InvalidDpopProof('dpop_jkt is not the thumbprint of the DPoP proof’s key');
      params.dpop_jkt = proof.jkt;
    }
    try {
      await this.authorization.parse(params, { pushed: true, signed });
    } catch (e) {
      if (e instanceof OAuthRedirectError) throw e.oauthError;
      throw e;
    }
    return {
      request_uri: await this.pushed.push(client.clientId, { params, signed }),
      expires_in: this.pushed.lifespanSeconds,
    };
  }

  /** CORS preflight, as at /token: whether the page may read the answer is decided per client. */
  @Options(PUSHED_AUTHORIZATION_PATH)
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
}

const AUTHENTICATION_PARAMETERS = [
  'client_secret',
  'client_assertion',
  'client_assertion_type',
] as const;
