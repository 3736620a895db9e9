import type { FastifyReply } from 'fastify';
import { Eta } from 'eta';
import { escapeHtml, pageCsp, renderPage } from '../common/html.js';
import { describeScope, translate, type MessageKey, type UiLocale } from './i18n.js';

/** What a page shows of the client (Dynamic Client Registration §2 display metadata). */
export interface ClientDisplay {
  name: string;
  logoUri?: string;
  policyUri?: string;
  tosUri?: string;
}

export interface LoginPage {
  action: string;
  /** The client's redirect URI: the form's answer may redirect there (the page's CSP allows it). */
  formTarget?: string;
  csrf: string;
  client: ClientDisplay;
  username?: string;
  failed?: boolean;
  /** Offer "keep me signed in" (SESSION_REMEMBER_ME is on); `checked` keeps the last answer. */
  rememberMe?: { checked: boolean };
}

export interface TotpPage {
  action: string;
  /** The client's redirect URI: the form's answer may redirect there (the page's CSP allows it). */
  formTarget?: string;
  csrf: string;
  client: ClientDisplay;
  failed?: boolean;
}

export interface ConsentPage {
  action: string;
  /** The client's redirect URI: the form's answer may redirect there (the page's CSP allows it). */
  formTarget?: string;
  csrf: string;
  client: ClientDisplay;
  user: string;
  scopes: string[];
  claims: string[];
}

export interface LogoutPage {
  action: string;
  csrf: string;
  /** The pending logout request's id. */
  logout: string;
  /** The name of the client that asked, when known. */
  clientName?: string;
  user: string;
  /** Where the answer may redirect (the page's CSP allows it). */
  formTarget?: string;
}

export interface SignedOutPage {
  /** Front-Channel Logout URIs, each loaded in a hidden iframe (the CSP allows their origins). */
  frames?: string[];
  /** Where to go once the frames have loaded (a meta refresh and a link; no script needed). */
  next?: string;
}

export interface RenderedPage {
  html: string;
  /** The Content-Security-Policy to send with it. */
  csp: string;
}

/**
 * Templates escape every value by default (`<%= %>`); nothing here writes raw input. The
 * pages load nothing but their own inline style, work without script, and each form carries
 * the interaction's CSRF token.
 */
const CLIENT = `<% if (it.client.logoUri) { %><img src="<%= it.client.logoUri %>" alt="" width="64" height="64" referrerpolicy="no-referrer"><% } %>`;
const LINKS = `<% if (it.client.policyUri || it.client.tosUri) { %><p><% if (it.client.policyUri) { %><a href="<%= it.client.policyUri %>" rel="noopener noreferrer" target="_blank"><%= it.t('consent.policy') %></a> <% } %><% if (it.client.tosUri) { %><a href="<%= it.client.tosUri %>" rel="noopener noreferrer" target="_blank"><%= it.t('consent.terms') %></a><% } %></p><% } %>`;

const TEMPLATES = {
  login: `${CLIENT}<h1><%= it.t('login.title') %></h1><p><%= it.t('login.to', { client: it.client.name }) %></p>
<% if (it.failed) { %><p role="alert"><%= it.t('login.failed') %></p><% } %>
<form method="post" action="<%= it.action %>">
<input type="hidden" name="csrf" value="<%= it.csrf %>">
<p><label for="username"><%= it.t('login.username') %></label><br><input id="username" name="username" autocomplete="username" required maxlength="100" value="<%= it.username ?? '' %>"<% if (!it.username) { %> autofocus<% } %>></p>
<p><label for="password"><%= it.t('login.password') %></label><br><input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024"<% if (it.username) { %> autofocus<% } %>></p>
<% if (it.rememberMe) { %><p><input id="remember_me" name="remember_me" type="checkbox" value="on"<% if (it.rememberMe.checked) { %> checked<% } %>> <label for="remember_me"><%= it.t('login.remember') %></label></p><% } %>
<p><button type="submit"><%= it.t('login.submit') %></button></p>
</form>${LINKS}`,
  totp: `${CLIENT}<h1><%= it.t('totp.title') %></h1><p><%= it.t('totp.prompt') %></p>
<% if (it.failed) { %><p role="alert"><%= it.t('totp.failed') %></p><% } %>
<form method="post" action="<%= it.action %>">
<input type="hidden" name="csrf" value="<%= it.csrf %>">
<p><label for="code"><%= it.t('totp.code') %></label><br><input id="code" name="code" inputmode="numeric" pattern="[0-9]{6}" autocomplete="one-time-code" required maxlength="6" autofocus></p>
<p><button type="submit"><%= it.t('totp.submit') %></button></p>
</form>`,
  consent: `${CLIENT}<h1><%= it.t('consent.title') %></h1><p><%= it.t('consent.asks', { client: it.client.name }) %></p>
<ul><% it.scopes.forEach(function (s) { %><li><%= it.scope(s) %></li><% }) %></ul>
<% if (it.claims.length > 0) { %><p><%= it.t('consent.claims') %></p><ul><% it.claims.forEach(function (c) { %><li><code><%= c %></code></li><% }) %></ul><% } %>
<p><%= it.t('consent.signedInAs', { user: it.user }) %></p>
<form method="post" action="<%= it.action %>">
<input type="hidden" name="csrf" value="<%= it.csrf %>">
<button type="submit" name="decision" value="allow"><%= it.t('consent.allow') %></button>
<button type="submit" name="decision" value="deny"><%= it.t('consent.deny') %></button>
</form>${LINKS}`,
  error: `<h1><%= it.t('error.title') %></h1><p><code><%= it.error %></code></p><% if (it.description) { %><p><%= it.description %></p><% } %><p><%= it.t('error.back') %></p>`,
  signedOut: `<h1><%= it.t('signedOut.title') %></h1><p><%= it.t('signedOut.body') %></p>
<% (it.frames ?? []).forEach(function (f) { %><iframe src="<%= f %>" hidden width="0" height="0" title="" referrerpolicy="no-referrer"></iframe><% }) %>
<% if (it.next) { %><p><a href="<%= it.next %>"><%= it.t('signedOut.continue') %></a></p><% } %>`,
  logout: `<h1><%= it.t('logout.title') %></h1><p><% if (it.clientName) { %><%= it.t('logout.askFrom', { client: it.clientName }) %><% } else { %><%= it.t('logout.ask') %><% } %></p>
<p><%= it.t('logout.signedInAs', { user: it.user }) %></p>
<form method="post" action="<%= it.action %>">
<input type="hidden" name="csrf" value="<%= it.csrf %>">
<input type="hidden" name="logout" value="<%= it.logout %>">
<button type="submit" name="decision" value="logout" autofocus><%= it.t('logout.confirm') %></button>
<button type="submit" name="decision" value="stay"><%= it.t('logout.cancel') %></button>
</form>`,
  stillSignedIn: `<h1><%= it.t('stillSignedIn.title') %></h1><p><%= it.t('stillSignedIn.body') %></p>`,
} as const;

type PageName = keyof typeof TEMPLATES;

const TITLES: Record<PageName, MessageKey> = {
  login: 'login.title',
  totp: 'totp.title',
  consent: 'consent.title',
  error: 'error.title',
  signedOut: 'signedOut.title',
  logout: 'logout.title',
  stillSignedIn: 'stillSignedIn.title',
};

const eta = new Eta({ autoEscape: true, autoTrim: false, cache: true });
for (const [name, template] of Object.entries(TEMPLATES)) eta.loadTemplate(`@${name}`, template);

/** Only http(s) links reach a page: a registered `javascript:` URI renders as nothing. */
function safeDisplay(client: ClientDisplay): ClientDisplay {
  const web = (uri?: string) => (uri && /^https?:\/\//i.test(uri) ? uri : undefined);
  return {
    name: client.name,
    logoUri: web(client.logoUri),
    policyUri: web(client.policyUri),
    tosUri: web(client.tosUri),
  };
}

function render(name: PageName, locale: UiLocale, data: Record<string, unknown>): RenderedPage {
  const t = (key: MessageKey, vars?: Record<string, string>) => translate(locale, key, vars);
  const body = eta.render(`@${name}`, {
    ...data,
    ...(data.client ? { client: safeDisplay(data.client as ClientDisplay) } : {}),
    t,
    scope: (s: string) => describeScope(locale, s),
  });
  const formTarget = typeof data.formTarget === 'string' ? data.formTarget : undefined;
  const frames = Array.isArray(data.frames) ? (data.frames as string[]) : [];
  // Front-channel frames get a moment to load before the browser moves on.
  const head =
    typeof data.next === 'string'
      ? `<meta http-equiv="refresh" content="${frames.length > 0 ? 2 : 0};url=${escapeHtml(data.next)}">`
      : '';
  return {
    html: renderPage(t(TITLES[name]), body, locale, head),
    csp: pageCsp(formTarget ? [formTarget] : [], frames),
  };
}

export const pages = {
  login: (locale: UiLocale, page: LoginPage) => render('login', locale, { ...page }),
  totp: (locale: UiLocale, page: TotpPage) => render('totp', locale, { ...page }),
  consent: (locale: UiLocale, page: ConsentPage) => render('consent', locale, { ...page }),
  error: (locale: UiLocale, error: string, description?: string) =>
    render('error', locale, { error, description }),
  signedOut: (locale: UiLocale, page: SignedOutPage = {}) =>
    render('signedOut', locale, { ...page }),
  logout: (locale: UiLocale, page: LogoutPage) => render('logout', locale, { ...page }),
  stillSignedIn: (locale: UiLocale) => render('stillSignedIn', locale, {}),
};

/** Sends a page: never cached, never framed, with its own CSP. */
export function sendPage(reply: FastifyReply, page: RenderedPage, status = 200): void {
  void reply
    .status(status)
    .headers({
      'cache-control': 'no-store',
      'content-security-policy': page.csp,
      'x-frame-options': 'DENY',
    })
    .type('text/html; charset=utf-8')
    .send(page.html);
}
