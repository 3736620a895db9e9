import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Post,
  Req,
  Res,
  UseFilters,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiBrowserAnswers } from '../common/browser-answers.openapi.js';
import { seeOther } from '../common/client-response.js';
import { temporarilyUnavailable } from '../common/errors/to-oauth-error.js';
import { outageOf } from '../common/errors/unavailable.js';
import { Outages } from '../health/outages.js';
import { HtmlErrorFilter } from '../interaction/html-error.filter.js';
import { Interactions } from '../interaction/interactions.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { AuthorizationParameters } from './authorization-parameters.js';
import { AuthorizationResponder } from './authorization-responder.js';
import { AuthorizationService } from './authorization.service.js';
import type { AuthorizationRequest } from './authorization-request.js';
import { ApiAuthorizationForm, ApiAuthorizationQuery } from './authorization-request.openapi.js';

export const AUTHORIZATION_PATH = '/authorize';

const AuthorizationAnswers = () =>
  ApiBrowserAnswers({
    redirect:
      'To the redirect URI with code, state and iss (RFC 9207), or with error (RFC 6749 §4.1.2.1), in the query or the fragment; or to the sign-in page /interaction/{id}',
    page: 'response_mode=form_post: the page that posts the same parameters to the redirect URI',
  });

/**
 * `/authorize` (Core §3.1.2), in steps: the parameters are resolved (query or form body), then
 * validated (an error before the client and its redirect URI are trusted is a page, after it
 * goes back to the client), then decided (session, prompt, max_age, consent): the code at once,
 * or an interaction whose pages (InteractionController) do what the request still needs.
 */
@ApiTags('openid')
@Controller()
@UseFilters(HtmlErrorFilter)
export class AuthorizationController {
  constructor(
    @Inject(AuthorizationParameters) private readonly parameters: AuthorizationParameters,
    @Inject(AuthorizationService) private readonly authorization: AuthorizationService,
    @Inject(AuthorizationResponder) private readonly responder: AuthorizationResponder,
    @Inject(Interactions) private readonly interactions: Interactions,
    @Inject(SessionsService) private readonly sessions: SessionsService,
    @Inject(Outages) private readonly outages: Outages,
  ) {}

  @Get(AUTHORIZATION_PATH)
  @ApiOperation({ summary: 'OpenID Connect Core §3.1.2 authorization endpoint (code flow)' })
  @ApiAuthorizationQuery()
  @AuthorizationAnswers()
  authorizeGet(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.authorize(req, reply);
  }

  @Post(AUTHORIZATION_PATH)
  @HttpCode(200)
  @ApiOperation({ summary: 'The authorization endpoint by POST (a form body, Core §3.1.2.1)' })
  @ApiAuthorizationForm()
  @AuthorizationAnswers()
  authorizePost(
    @Body() body: unknown,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.authorize(req, reply, body);
  }

  private async authorize(req: FastifyRequest, reply: FastifyReply, body?: unknown) {
    const { params, ...how } = await this.parameters.resolve(req, body);
    const request = await this.authorization.parse(params, how);
    try {
      await this.decideAndAnswer(req, reply, request);
    } catch (e) {
      // RFC 6749 §4.1.2.1: a 503 cannot reach the client through a redirect; this code can.
      const dependency = outageOf(e);
      if (!dependency) throw e;
      this.outages.report(dependency, e);
      throw this.authorization.redirectError(request, temporarilyUnavailable());
    }
  }

  private async decideAndAnswer(
    req: FastifyRequest,
    reply: FastifyReply,
    request: AuthorizationRequest,
  ): Promise<void> {
    const session = await this.sessions.resolveFromHeader(req.headers.cookie);
    const progress = { freshLogin: false, consentGiven: false };
    const decision = await this.authorization.decide(request, session, progress);
    if (decision.kind === 'issue') {
      return this.responder.issue(reply, request, decision.session, decision.user);
    }
    const { interaction, setCookie } = await this.interactions.start(
      request,
      decision.kind,
      req.headers.cookie,
    );
    if (setCookie) void reply.header('set-cookie', setCookie);
    seeOther(reply, this.interactions.pageUrl(interaction));
  }
}
