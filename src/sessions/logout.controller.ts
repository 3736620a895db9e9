import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
} from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { InvalidRequest } from '../common/errors/oauth-error.js';
import { HtmlErrorFilter } from '../interaction/html-error.filter.js';
import { requireFormBody } from '../common/form-body.guard.js';
import { issuerPath } from '../common/urls.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { type UiLocale } from '../interaction/i18n.js';
import { Pages, sendPage } from '../interaction/pages.js';
import { UsersService } from '../users/users.service.js';
import { LogoutService, type LogoutRequest } from './logout.service.js';
import type { Session } from './session.entity.js';
import { SessionsService } from './sessions.service.js';
import { ApiBrowserAnswers } from '../common/browser-answers.openapi.js';
import { ApiEndSessionForm, ApiEndSessionQuery } from './logout.openapi.js';

const EndSessionAnswers = () =>
  ApiBrowserAnswers({
    redirect:
      'Signed out: to the registered post_logout_redirect_uri, with state (RP-Initiated Logout 1.0 §3)',
    page: 'The confirmation page (without a valid id_token_hint), or the signed-out page',
  });

export const END_SESSION_PATH = '/end_session';
const CONFIRM_PATH = `${END_SESSION_PATH}/confirm`;

/**
 * RP-Initiated Logout 1.0 (`/end_session`, GET and POST). With a valid `id_token_hint` for
 * the browser's user the session ends at once; otherwise the user confirms on a page whose
 * form carries a CSRF token and is accepted only with the same session's cookie. After a
 * sign-out, a page that loads each participating client's Front-Channel Logout URI in a
 * hidden iframe, then (or at once, with no such client) the redirect to the registered
 * `post_logout_redirect_uri` with `state`.
 */
@ApiTags('openid')
@Controller()
@UseFilters(HtmlErrorFilter)
export class LogoutController {
  private readonly prefix: string;

  constructor(
    @Inject(LogoutService) private readonly logout: LogoutService,
    @Inject(SessionsService) private readonly sessions: SessionsService,
    @Inject(UsersService) private readonly users: UsersService,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(Pages) private readonly pages: Pages,
  ) {
    this.prefix = issuerPath(config);
  }

  @Get(END_SESSION_PATH)
  @ApiOperation({ summary: 'RP-Initiated Logout 1.0 end_session_endpoint' })
  @ApiEndSessionQuery()
  @EndSessionAnswers()
  endSessionGet(@Query() query: unknown, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.endSession(query, req, reply);
  }

  @Post(END_SESSION_PATH)
  @HttpCode(200)
  @ApiOperation({ summary: 'The end_session_endpoint by POST (a form body)' })
  @ApiEndSessionForm()
  @EndSessionAnswers()
  endSessionPost(@Body() body: unknown, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    requireFormBody(req, body);
    return this.endSession(body, req, reply);
  }

  @Post(CONFIRM_PATH)
  @HttpCode(200)
  @ApiExcludeEndpoint()
  async confirm(
    @Body() body: Record<string, unknown> | undefined,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    requireFormBody(req, body);
    const pending = await this.logout.takePending(body?.logout, body?.csrf);
    if (!pending)
      throw new InvalidRequest(
        'This sign-out form has expired, was already answered, or is missing its CSRF token',
      );
    const session = await this.sessions.resolveFromHeader(req.headers.cookie);
    if (session && session.id !== pending.sessionId)
      throw new InvalidRequest('This sign-out form belongs to another browser');
    if (body?.decision !== 'logout')
      return sendPage(reply, this.pages.stillSignedIn(pending.locale));
    return this.signOut(reply, pending.locale, session, pending.redirect);
  }

  private async endSession(raw: unknown, req: FastifyRequest, reply: FastifyReply) {
    const request = await this.logout.check(
      this.logout.parameters(raw),
      req.headers['accept-language'],
    );
    const session = await this.sessions.resolveFromHeader(req.headers.cookie);
    if (session && (await this.logout.mayEndSilently(request, session)))
      return this.signOut(reply, request.locale, session, request.redirect);
    if (session) return this.confirmationPage(reply, request, session);
    // Nobody signed in: nothing to end or confirm. Without a valid id_token_hint anyone can
    // send a browser here with a client's id, so the user follows the link to the registrant's
    // URI rather than being redirected (RP-Initiated Logout 1.0 §2, RFC 9700 §4.11.2).
    return this.signOut(reply, request.locale, undefined, request.redirect, {
      redirectAtOnce: request.hint !== undefined,
    });
  }

  private async confirmationPage(reply: FastifyReply, request: LogoutRequest, session: Session) {
    const pending = await this.logout.pend(request, session);
    const user = await this.users.findById(session.userId);
    sendPage(
      reply,
      this.pages.logout(request.locale, {
        action: `${this.prefix}${CONFIRM_PATH}`,
        csrf: pending.csrf,
        logout: pending.id,
        clientName: request.client
          ? (request.client.metadata.client_name ?? request.client.clientId)
          : undefined,
        user: user ? (user.claims.name ?? user.username) : '',
        formTarget: request.redirect,
      }),
    );
  }

  private async signOut(
    reply: FastifyReply,
    locale: UiLocale,
    session: Session | undefined,
    redirect: string | undefined,
    { redirectAtOnce = true } = {},
  ) {
    void reply.header('set-cookie', this.sessions.clearCookie());
    const ended = session && (await this.sessions.end(session.id));
    const frames = ended ? await this.logout.frontChannelUris(ended) : [];
    if (redirect !== undefined && frames.length === 0 && redirectAtOnce) {
      void reply.header('cache-control', 'no-store').redirect(redirect, 303);
      return;
    }
    sendPage(reply, this.pages.signedOut(locale, { frames, next: redirect }));
  }
}
