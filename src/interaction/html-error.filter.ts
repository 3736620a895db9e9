import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { toOAuthError } from '../errors/to-oauth-error.js';
import { escapeHtml, PAGE_CSP, renderPage } from '../html.js';

/**
 * The HTML surface, for browser-facing endpoints where redirecting is unsafe (an unknown
 * client, an unregistered redirect URI): the error is shown to the person, never sent on.
 */
@Catch()
export class HtmlErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const error = toOAuthError(exception, this.logger);
    const body =
      `<h1>Sign-in could not continue</h1><p>The application sent a request this provider cannot accept.</p>` +
      `<p>Error: <code>${escapeHtml(error.error)}</code></p>` +
      (error.description ? `<p>${escapeHtml(error.description)}</p>` : '');
    // A page has no authentication challenge to make: 401 (invalid_client) shows as 400.
    void reply
      .status(error.status === 401 ? 400 : error.status)
      .headers({
        'cache-control': 'no-store',
        'content-security-policy': PAGE_CSP,
        'x-content-type-options': 'nosniff',
      })
      .type('text/html; charset=utf-8')
      .send(renderPage('Error', body));
  }
}
