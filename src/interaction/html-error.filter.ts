import { Metrics } from '../metrics/metrics.js';
import {
  Catch,
  Inject,
  Logger,
  Optional,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendErrorToClient } from '../common/client-response.js';
import { OAuthRedirectError } from '../common/errors/oauth-error.js';
import { toOAuthError } from '../common/errors/to-oauth-error.js';
import { Outages } from '../health/outages.js';
import { pickLocale } from './i18n.js';
import { Pages, sendPage } from './pages.js';

/**
 * The browser surface. Errors before the client and its redirect URI are trusted (an unknown
 * client, an unregistered redirect URI) are shown to the person, never sent on, in the language
 * the request asked for (`ui_locales`, then Accept-Language). An `OAuthRedirectError`, thrown
 * only once they are trusted, goes to the client's redirect URI from wherever it was thrown: a
 * route never has to catch one.
 */
@Catch()
export class HtmlErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(
    @Inject(Pages) private readonly pages: Pages,
    @Inject(Outages) private readonly outages: Outages,
    @Optional() @Inject(Metrics) private readonly metrics?: Metrics,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    if (exception instanceof OAuthRedirectError) {
      this.metrics?.oauthErrors.inc({ error: exception.oauthError.error, status: '303' });
      return sendErrorToClient(reply, exception);
    }
    const req = http.getRequest<FastifyRequest>();
    const error = toOAuthError(exception, this.logger, this.outages);
    this.metrics?.oauthErrors.inc({ error: error.error, status: String(error.status) });
    const locale = pickLocale(uiLocales(req), req.headers['accept-language']);
    const retryAfter = error.headers['retry-after'];
    // A page has no authentication challenge to make: 401 (invalid_client) shows as 400.
    sendPage(
      reply,
      this.pages.error(locale, error.error, error.description),
      error.status === 401 ? 400 : error.status,
      retryAfter ? { 'retry-after': retryAfter } : {},
    );
  }
}

/** `ui_locales` of the query or form body, when it is a single string. */
function uiLocales(req: FastifyRequest): string[] {
  for (const source of [req.query, req.body]) {
    const value = (source as Record<string, unknown> | undefined)?.ui_locales;
    if (typeof value === 'string') return value.split(' ').slice(0, 10);
  }
  return [];
}
