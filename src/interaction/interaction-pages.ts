import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthorizationRequest } from '../authorization/authorization-request.js';
import { consentClaims } from '../authorization/authorization.service.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { User } from '../users/user.entity.js';
import { pickLocale, type UiLocale } from './i18n.js';
import { Interactions, type Interaction } from './interactions.js';
import { Pages, type ClientDisplay, sendPage } from './pages.js';

type Request = FastifyRequest;

/**
 * The pages of an interaction's steps, filled from the request and the settings: what each
 * step shows, kept out of the controller that decides which one to show.
 */
@Injectable()
export class InteractionPages {
  constructor(
    @Inject(Pages) private readonly pages: Pages,
    @Inject(Interactions) private readonly interactions: Interactions,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The answer to a step of an interaction that has already ended. */
  expired(reply: FastifyReply, req: Request) {
    sendPage(
      reply,
      this.pages.error(
        pickLocale([], req.headers['accept-language']),
        'invalid_request',
        'This sign-in has already finished.',
      ),
      400,
    );
  }

  login(
    reply: FastifyReply,
    interaction: Interaction,
    request: AuthorizationRequest,
    locale: UiLocale,
    username = request.loginHint,
    failed = false,
    rememberMe = false,
  ) {
    sendPage(
      reply,
      this.pages.login(locale, {
        action: `${this.interactions.pageUrl(interaction)}/login`,
        formTarget: request.redirectUri,
        csrf: interaction.csrf,
        client: this.display(request),
        username,
        failed,
        ...(this.config.session.rememberMe > 0 && { rememberMe: { checked: rememberMe } }),
        ...(this.config.regulation.maxRetries > 0 && {
          lockout: {
            attempts: this.config.regulation.maxRetries,
            duration: this.config.regulation.banTime,
          },
        }),
      }),
      failed ? 401 : 200,
    );
  }

  totp(
    reply: FastifyReply,
    interaction: Interaction,
    request: AuthorizationRequest,
    locale: UiLocale,
    failed = false,
  ) {
    sendPage(
      reply,
      this.pages.totp(locale, {
        action: `${this.interactions.pageUrl(interaction)}/totp`,
        digits: this.config.totp.digits,
        formTarget: request.redirectUri,
        csrf: interaction.csrf,
        client: this.display(request),
        failed,
      }),
      failed ? 401 : 200,
    );
  }

  consent(
    reply: FastifyReply,
    interaction: Interaction,
    request: AuthorizationRequest,
    locale: UiLocale,
    user: User,
  ) {
    const claims = consentClaims(request);
    sendPage(
      reply,
      this.pages.consent(locale, {
        action: `${this.interactions.pageUrl(interaction)}/consent`,
        formTarget: request.redirectUri,
        csrf: interaction.csrf,
        client: this.display(request),
        user: user.claims.name ?? user.username,
        scopes: request.scope,
        claims,
      }),
    );
  }

  /** RFC 8628: the device's user answered yes; the device learns it when it polls. */
  deviceApproved(reply: FastifyReply, request: AuthorizationRequest, locale: UiLocale) {
    sendPage(reply, this.pages.deviceApproved(locale, { client: this.display(request) }));
  }

  private display(request: AuthorizationRequest): ClientDisplay {
    const m = request.client.metadata;
    return {
      name: m.client_name ?? request.client.clientId,
      logoUri: m.logo_uri,
      policyUri: m.policy_uri,
      tosUri: m.tos_uri,
    };
  }
}
