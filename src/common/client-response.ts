import type { FastifyReply } from 'fastify';
import type { OAuthRedirectError } from './errors/oauth-error.js';
import { renderFormPost } from './html.js';

/** How an authorization answer reaches the client (OAuth 2.0 Multiple Response Types §2.1). */
export type ResponseMode = 'query' | 'fragment' | 'form_post';

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

/**
 * The one place an answer goes to a client's (validated) redirect URI, success or error, in the
 * response mode asked for: a 303 with the parameters in the query or the fragment, or the
 * auto-submitting form_post page (OAuth 2.0 Form Post Response Mode).
 */
export function sendToClient(
  reply: FastifyReply,
  redirectUri: string,
  mode: ResponseMode,
  params: Record<string, string>,
): void {
  void reply.header('cache-control', 'no-store');
  if (mode === 'form_post') {
    const { html, csp } = renderFormPost(redirectUri, params);
    void reply
      .status(200)
      .header('content-security-policy', csp)
      .type('text/html; charset=utf-8')
      .send(html);
    return;
  }
  seeOther(reply, buildRedirect(redirectUri, params, mode));
}

/** A browser sent on with 303 See Other (a POST becomes a GET), never cached. */
export function seeOther(reply: FastifyReply, location: string): void {
  void reply.header('cache-control', 'no-store').redirect(location, 303);
}

/** An `OAuthRedirectError`, delivered to the redirect URI it names. */
export function sendErrorToClient(reply: FastifyReply, e: OAuthRedirectError): void {
  sendToClient(reply, e.redirect.redirectUri, e.redirect.responseMode, redirectErrorParams(e));
}
