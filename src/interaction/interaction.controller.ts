import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Optional,
  Param,
  Post,
  Req,
  Res,
  UseFilters,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthorizationResponder } from '../authorization/authorization-responder.js';
import { AUTHORIZATION_PATH } from '../authorization/authorization.controller.js';
import { DEVICE_VERIFICATION_PATH } from '../authorization/device-authorization.controller.js';
import { DeviceAuthorizations } from '../authorization/device-authorizations.js';
import {
  authorizationParameters,
  type AuthorizationRequest,
} from '../authorization/authorization-request.js';
import {
  AuthorizationService,
  requiresTwoFactor,
  type Progress,
} from '../authorization/authorization.service.js';
import { seeOther } from '../common/client-response.js';
import { CLOCK, systemClock, type Clock } from '../common/clock.js';
import { InvalidRequest, OAuthRedirectError } from '../common/errors/oauth-error.js';
import { issuerPath } from '../common/urls.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { Session } from '../sessions/session.entity.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { authenticationContext } from '../users/authentication-context.js';
import { PasswordLogin } from '../users/password-login.js';
import { TotpService } from '../users/totp.service.js';
import type { User } from '../users/user.entity.js';
import { UsersService } from '../users/users.service.js';
import { HtmlErrorFilter } from './html-error.filter.js';
import { pickLocale, type UiLocale } from './i18n.js';
import { INTERACTION_PATH, Interactions, type Interaction } from './interactions.js';
import { InteractionPages } from './interaction-pages.js';

/** How long a second submission of a step waits for the first (a password hash, a few queries). */
const STEP_WAIT_MS = 10_000;

type Request = FastifyRequest;

/**
 * The sign-in steps an authorization request may need (login, second factor, consent), each a
 * server-rendered page that works without script, on the interaction `/authorize` began. A step
 * ends in the next step's page or in the answer to the client; an `OAuthRedirectError` thrown
 * on the way reaches the client through HtmlErrorFilter.
 */
@ApiExcludeController()
@Controller(INTERACTION_PATH)
@UseFilters(HtmlErrorFilter)
export class InteractionController {
  private readonly prefix: string;

  constructor(
    @Inject(AuthorizationService) private readonly authorization: AuthorizationService,
    @Inject(AuthorizationResponder) private readonly responder: AuthorizationResponder,
    @Inject(Interactions) private readonly interactions: Interactions,
    @Inject(SessionsService) private readonly sessions: SessionsService,
    @Inject(PasswordLogin) private readonly passwords: PasswordLogin,
    @Inject(TotpService) private readonly totp: TotpService,
    @Inject(UsersService) private readonly users: UsersService,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(InteractionPages) private readonly views: InteractionPages,
    @Inject(DeviceAuthorizations) private readonly devices: DeviceAuthorizations,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
  ) {
    this.prefix = issuerPath(config);
  }

  @Get(':id')
  async show(@Param('id') id: string, @Req() req: Request, @Res() reply: FastifyReply) {
    const { interaction, request } = await this.step(id, req);
    const locale = this.locale(request, req);
    if (interaction.stage === 'login') return this.views.login(reply, interaction, request, locale);
    if (interaction.stage === 'totp') return this.views.totp(reply, interaction, request, locale);
    const session = await this.session(req);
    const user = session && (await this.users.findById(session.userId));
    if (!session || !user) return this.restart(reply, interaction, 'login');
    return this.views.consent(reply, interaction, request, locale, user);
  }

  @Post(':id/login')
  @HttpCode(200)
  async login(
    @Param('id') id: string,
    @Body() body: Record<string, unknown> | undefined,
    @Req() req: Request,
    @Res() reply: FastifyReply,
  ) {
    return this.oneAtATime(id, req, body, 'login', reply, (interaction, request) =>
      this.checkPassword(interaction, request, body, req, reply),
    );
  }

  private async checkPassword(
    interaction: Interaction,
    request: AuthorizationRequest,
    body: Record<string, unknown> | undefined,
    req: Request,
    reply: FastifyReply,
  ) {
    const result = await this.passwords.login(body?.username, body?.password, req.ip);
    const locale = this.locale(request, req);
    // An HTML checkbox sends its value only when checked.
    const rememberMe = body?.remember_me === 'on';
    if (!result.ok) {
      const username = typeof body?.username === 'string' ? body.username.slice(0, 100) : '';
      return this.views.login(reply, interaction, request, locale, username, true, rememberMe);
    }
    const needsSecond = result.totpRequired || requiresTwoFactor(request);
    if (needsSecond) {
      if (!result.totpRequired) {
        // The client asks for two factors and the user has none to give.
        throw this.authorization.denied(request);
      }
      await this.interactions.save({
        ...interaction,
        stage: 'totp',
        userId: result.user.id,
        rememberMe,
      });
      return seeOther(reply, this.interactions.pageUrl(interaction));
    }
    const session = await this.signIn(req, reply, result.user, ['password'], rememberMe);
    return this.proceed(
      req,
      reply,
      { ...interaction, loggedIn: true },
      request,
      session,
      result.user,
      {
        freshLogin: true,
        consentGiven: false,
      },
    );
  }

  @Post(':id/totp')
  @HttpCode(200)
  async secondFactor(
    @Param('id') id: string,
    @Body() body: Record<string, unknown> | undefined,
    @Req() req: Request,
    @Res() reply: FastifyReply,
  ) {
    return this.oneAtATime(id, req, body, 'totp', reply, (interaction, request) =>
      this.checkCode(interaction, request, body, req, reply),
    );
  }

  private async checkCode(
    interaction: Interaction,
    request: AuthorizationRequest,
    body: Record<string, unknown> | undefined,
    req: Request,
    reply: FastifyReply,
  ) {
    const user = interaction.userId && (await this.users.findById(interaction.userId));
    if (!user || user.disabled) return this.restart(reply, interaction, 'login');
    const result = await this.totp.verifyTotp(user, body?.code, req.ip);
    if (!result.ok)
      return this.views.totp(reply, interaction, request, this.locale(request, req), true);
    const session = await this.signIn(
      req,
      reply,
      user,
      ['password', 'totp'],
      interaction.rememberMe === true,
    );
    return this.proceed(req, reply, { ...interaction, loggedIn: true }, request, session, user, {
      freshLogin: true,
      consentGiven: false,
    });
  }

  @Post(':id/consent')
  @HttpCode(200)
  async answerConsent(
    @Param('id') id: string,
    @Body() body: Record<string, unknown> | undefined,
    @Req() req: Request,
    @Res() reply: FastifyReply,
  ) {
    return this.oneAtATime(id, req, body, 'consent', reply, (interaction, request) =>
      this.decideConsent(interaction, request, body, req, reply),
    );
  }

  private async decideConsent(
    interaction: Interaction,
    request: AuthorizationRequest,
    body: Record<string, unknown> | undefined,
    req: Request,
    reply: FastifyReply,
  ) {
    // "Not you?": back to the login page; signing in as someone else ends this session.
    if (body?.decision === 'switch') return this.restart(reply, interaction, 'login');
    const session = await this.session(req);
    const user = session && (await this.users.findById(session.userId));
    if (!session || !user) return this.restart(reply, interaction, 'login');
    if (body?.decision !== 'allow') {
      // Core §3.1.2.6: a refusal is access_denied for the client.
      throw this.authorization.denied(request);
    }
    await this.authorization.rememberConsent(request, user);
    return this.proceed(req, reply, interaction, request, session, user, {
      freshLogin: interaction.loggedIn === true,
      consentGiven: true,
    });
  }

  /** After a step: what the request still needs, or the answer to the client. */
  private async proceed(
    req: Request,
    reply: FastifyReply,
    interaction: Interaction,
    request: AuthorizationRequest,
    session: Session,
    user: User,
    progress: Progress,
  ) {
    const decision = await this.authorization.decide(request, session, progress, user);
    if (decision.kind === 'consent') {
      await this.interactions.save({ ...interaction, stage: 'consent' });
      return seeOther(reply, this.interactions.pageUrl(interaction));
    }
    if (decision.kind === 'login') return this.restart(reply, interaction, 'login');
    // Of two submissions racing, one answers the client.
    if (!(await this.interactions.finish(interaction.id))) return this.views.expired(reply, req);
    if (request.device !== undefined)
      return this.answerDevice(req, reply, request, decision.session, decision.user);
    return this.responder.issue(reply, request, decision.session, decision.user);
  }

  /** RFC 8628 §3.3: the user said yes; the device's next poll gets the tokens of this sign-in. */
  private async answerDevice(
    req: Request,
    reply: FastifyReply,
    request: AuthorizationRequest,
    session: Session,
    user: User,
  ) {
    const recorded = await this.devices.decide(request.device!, {
      approved: true,
      userId: user.id,
      sessionId: session.id,
      authTime: Math.floor(session.authTime.getTime() / 1000),
      amr: session.amr,
      acr: session.acr,
    });
    if (!recorded) return this.views.expired(reply, req);
    // The device's tokens belong to this session: signing out ends them as for any client.
    await this.sessions.addClient(session.id, request.client.clientId);
    return this.views.deviceApproved(reply, request, this.locale(request, req));
  }

  /**
   * Runs a submitted step for one submission at a time, across instances (issue 12, finding
   * 7): a form sent twice signs in once. A submission that finds the step held waits for it to
   * end, then follows it: the step again if it is still expected (the password was wrong), the
   * interaction's page if it moved on, `/authorize` again if it ended (the browser then goes
   * on with the session the first submission made, or signs in afresh without it).
   */
  private async oneAtATime(
    id: string,
    req: Request,
    body: Record<string, unknown> | undefined,
    stage: Interaction['stage'],
    reply: FastifyReply,
    run: (interaction: Interaction, request: AuthorizationRequest) => Promise<void>,
  ): Promise<void> {
    let { interaction, request } = await this.step(id, req, body, stage);
    for (;;) {
      if (await this.interactions.hold(interaction.id)) {
        try {
          return await run(interaction, request);
        } catch (e) {
          // The answer goes to the client (HtmlErrorFilter): the interaction is over.
          if (e instanceof OAuthRedirectError) {
            await this.interactions.finish(interaction.id);
            // A device has no redirect URI: it learns the refusal when it polls, the user here.
            if (request.device !== undefined) {
              await this.devices.decide(request.device, { approved: false });
              throw e.oauthError;
            }
          }
          throw e;
        } finally {
          await this.interactions.release(interaction.id).catch(() => undefined);
        }
      }
      if (!(await this.interactions.released(interaction.id, STEP_WAIT_MS)))
        return seeOther(reply, this.interactions.pageUrl(interaction));
      const current = await this.interactions.find(interaction.id, req.headers.cookie);
      if (!current) return seeOther(reply, this.authorizeUrl(interaction));
      if (current.stage !== stage) return seeOther(reply, this.interactions.pageUrl(interaction));
      ({ interaction, request } = await this.step(id, req, body, stage));
    }
  }

  /** The interaction of a step, from this browser, with its CSRF token when a form was sent. */
  private async step(
    id: string,
    req: Request,
    body?: Record<string, unknown>,
    stage?: Interaction['stage'],
  ): Promise<{ interaction: Interaction; request: AuthorizationRequest }> {
    const interaction = await this.interactions.find(id, req.headers.cookie);
    if (!interaction)
      throw new InvalidRequest(
        'This sign-in has expired or belongs to another browser; start again from the application',
      );
    if (stage !== undefined) {
      if (!this.interactions.csrfMatches(interaction, body?.csrf))
        throw new InvalidRequest('The form is missing its CSRF token or it does not match');
      if (interaction.stage !== stage) throw new InvalidRequest('This step is not expected now');
    }
    // The client changed meanwhile (gone, or the request no longer passes); anything else,
    // a database outage say, is a server error to log, not the user's fault.
    const request = await this.authorization.restore(interaction.request);
    if (!request)
      throw new InvalidRequest('The application’s request is no longer valid; start again');
    return { interaction, request };
  }

  private async signIn(
    req: Request,
    reply: FastifyReply,
    user: User,
    factors: ('password' | 'totp')[],
    /** The user's "keep me signed in" answer: SESSION_REMEMBER_ME instead of SESSION_EXPIRATION. */
    rememberMe: boolean,
  ): Promise<Session> {
    const { amr, acr } = authenticationContext(factors);
    const current = await this.session(req);
    const authentication = { authTime: new Date(this.clock.now()), amr, acr, rememberMe };
    if (current && current.userId === user.id) {
      const renewed = await this.sessions.reauthenticate(current, authentication);
      if (renewed) {
        void reply.header(
          'set-cookie',
          this.sessions.setCookie(renewed.cookieValue, renewed.session),
        );
        return renewed.session;
      }
    }
    if (current) await this.sessions.end(current.id);
    const { session, cookieValue } = await this.sessions.create({
      userId: user.id,
      ...authentication,
    });
    void reply.header('set-cookie', this.sessions.setCookie(cookieValue, session));
    return session;
  }

  private restart(reply: FastifyReply, interaction: Interaction, stage: 'login') {
    return this.interactions
      .save({ ...interaction, stage, userId: undefined })
      .then(() => seeOther(reply, this.interactions.pageUrl(interaction)));
  }

  private async session(req: Request): Promise<Session | undefined> {
    return this.sessions.resolveFromHeader(req.headers.cookie);
  }

  private locale(request: AuthorizationRequest, req: Request): UiLocale {
    return pickLocale(request.uiLocales, req.headers['accept-language']);
  }

  /** The same request at `/authorize` again, for a browser whose interaction ended. */
  private authorizeUrl(interaction: Interaction): string {
    // A device's user starts again from the code.
    if (interaction.request.device !== undefined)
      return `${this.prefix}${DEVICE_VERIFICATION_PATH}`;
    const query = authorizationParameters(interaction.request);
    return `${this.prefix}${AUTHORIZATION_PATH}?${query.toString()}`;
  }
}
