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
import { ApiBearerAuth, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ApiDpopHeader, DPOP_SECURITY } from '../token/dpop.openapi.js';
import { allowOrigin, answerPreflight, CorsEndpoint } from '../common/cors.js';
import { ApiPreflight } from '../common/cors.openapi.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { requestUrl } from '../common/request-url.js';
import { DpopProofs, type DpopRequest } from '../token/dpop.js';
import {
  accessTokenInvalid,
  accessTokenRequired,
  presentedAccessToken,
  type AccessTokenCarriers,
  type AccessTokenScheme,
} from '../token/presented-access-token.js';
import { UserinfoService } from './userinfo.service.js';
import { ApiUserinfoErrors, ApiUserinfoForm, ApiUserinfoResponse } from './userinfo.openapi.js';

export const USERINFO_PATH = '/userinfo';

/** RFC 6750 §2.3 is refused: a token in a URL ends up in logs and histories. */
const MAX_TOKEN = 16_384;

@ApiTags('openid')
@Controller()
export class UserinfoController {
  constructor(
    @Inject(UserinfoService) private readonly userinfo: UserinfoService,
    @Inject(DpopProofs) private readonly dpop: DpopProofs,
  ) {}

  @Get(USERINFO_PATH)
  @NoStore({ pragma: true })
  @CorsEndpoint('client')
  @ApiOperation({
    summary: 'OpenID Connect Core §5.3 UserInfo (token in the Authorization header)',
  })
  @ApiBearerAuth()
  @ApiSecurity(DPOP_SECURITY)
  @ApiDpopHeader('resource')
  @ApiUserinfoResponse()
  @ApiUserinfoErrors()
  get(
    @Headers('authorization') authorization: string | undefined,
    @Headers('origin') origin: string | undefined,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.respond(accessToken({ authorization }), dpopRequest(req), origin, reply);
  }

  @Post(USERINFO_PATH)
  @NoStore({ pragma: true })
  @HttpCode(200)
  @CorsEndpoint('client')
  @ApiOperation({
    summary:
      'UserInfo by POST: the token in the Authorization header or the form body (RFC 6750 §2.2)',
  })
  @ApiBearerAuth()
  @ApiSecurity(DPOP_SECURITY)
  @ApiDpopHeader('resource')
  @ApiUserinfoForm()
  @ApiUserinfoResponse()
  @ApiUserinfoErrors()
  post(
    @Headers('authorization') authorization: string | undefined,
    @Headers('content-type') contentType: string | undefined,
    @Headers('origin') origin: string | undefined,
    @Body() body: unknown,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.respond(
      accessToken({ authorization, form: { body, contentType } }),
      dpopRequest(req),
      origin,
      reply,
    );
  }

  /** CORS preflight: whether the page may read the answer is decided per client afterwards. */
  @Options(USERINFO_PATH)
  @HttpCode(204)
  @ApiPreflight()
  preflight(
    @Headers('origin') origin: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): void {
    answerPreflight(reply, origin, {
      methods: 'GET, POST',
      headers: 'authorization, content-type, dpop',
    });
  }

  private async respond(
    token: PresentedToken,
    request: DpopRequest,
    origin: string | undefined,
    reply: FastifyReply,
  ) {
    const { client, body } = await this.userinfo.answer(token, request);
    // RFC 9449 §9: with DPOP_NONCE, the nonce to use next.
    const nonce = this.dpop.currentNonce();
    if (nonce !== undefined) void reply.header('dpop-nonce', nonce);
    // A browser page may read the claims only from one of the client's allowed origins.
    if (origin !== undefined && client.metadata.cors_allowed_origins.includes(origin))
      allowOrigin(reply, origin);
    if (typeof body === 'string') {
      void reply.type('application/jwt').send(body);
    } else {
      void reply.type('application/json; charset=utf-8').send(JSON.stringify(body));
    }
  }
}

type PresentedToken = { scheme: AccessTokenScheme; token: string };

/** The token presented, the one way the request may present it (RFC 6750 §2). */
function accessToken(carriers: AccessTokenCarriers): PresentedToken {
  const presented = presentedAccessToken(carriers);
  if (presented.kind === 'absent') throw accessTokenRequired('A bearer access token is required');
  if (presented.kind === 'malformed' || presented.token.length > MAX_TOKEN)
    throw accessTokenInvalid('The access token is malformed');
  return presented;
}

/** What a DPoP proof sent with the token must name (RFC 9449 §7.1). */
function dpopRequest(req: FastifyRequest): DpopRequest {
  return { headers: req.headers, method: req.method, url: requestUrl(req) };
}
