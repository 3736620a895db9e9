import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { OAuthRedirectError } from '../errors/oauth-error.js';
import { renderFormPost } from '../html.js';

/** Builds the parameters of an error delivered to the client (RFC 6749 §4.1.2.1, RFC 9207). */
export function redirectErrorParams(e: OAuthRedirectError): Record<string, string> {
  const params: Record<string, string> = { error: e.oauthError.error };
  if (e.oauthError.description) params.error_description = e.oauthError.description;
  if (e.redirect.state !== undefined) params.state = e.redirect.state;
  if (e.redirect.issuer !== undefined) params.iss = e.redirect.issuer;
  return params;
}

/** Appends parameters to a redirect URI's query, or puts them in its fragment. */
export function buildRedirect(
  uri: string,
  params: Record<string, string>,
  mode: 'query' | 'fragment',
): string {
  const url = new URL(uri);
  if (mode === 'query') {
    for (const [k, v] of Object.entries(params)) url.searchParams.append(k, v);
    return url.href;
  }
  url.hash = new URLSearchParams(params).toString();
  return url.href;
}

/** The redirect surface: errors that `/authorize` can return to a validated redirect URI. */
@Catch(OAuthRedirectError)
export class RedirectErrorFilter implements ExceptionFilter {
  catch(e: OAuthRedirectError, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const params = redirectErrorParams(e);
    void reply.header('cache-control', 'no-store');
    if (e.redirect.responseMode === 'form_post') {
      const { html, csp } = renderFormPost(e.redirect.redirectUri, params);
      void reply
        .status(200)
        .header('content-security-policy', csp)
        .type('text/html; charset=utf-8')
        .send(html);
      return;
    }
    void reply.redirect(
      buildRedirect(e.redirect.redirectUri, params, e.redirect.responseMode),
      303,
    );
  }
}
