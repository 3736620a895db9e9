import type { FastifyReply } from 'fastify';
import { Eta } from 'eta';
import { escapeHtml, pageCsp } from '../common/html.js';
import { loadBranding, type Asset, type Branding } from './branding.js';
import {
  describeDuration,
  describeScope,
  translate,
  type MessageKey,
  type UiLocale,
} from './i18n.js';

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
  /**
   * The lockout rule (REGULATION_*), told on a failure: the same words whatever the cause, so
   * the page never says whether this account exists or is locked.
   */
  lockout?: { attempts: number; duration: number };
}

export interface TotpPage {
  action: string;
  /** Digits per code (TOTP_DIGITS): 6 or 8. */
  digits?: number;
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

export interface DevicePage {
  action: string;
  csrf: string;
  userCode?: string;
  /** Why the last code was refused: unknown (or used, or expired), or too many tries. */
  failed?: 'unknown' | 'limited';
}

export interface DeviceApprovedPage {
  client: ClientDisplay;
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

/** Where the provider serves the pages' assets, below the issuer's path. */
export const ASSETS_PATH = 'assets';

/**
 * Templates escape every value by default (`<%= %>`); `<%~ %>` only places what another
 * template rendered. The pages load nothing but the provider's own stylesheet and images
 * (and the client's https logo), work without script, and each form carries the
 * interaction's CSRF token. An operator's `<name>.eta` in PAGES_TEMPLATES_DIR replaces one.
 */
const CLIENT = `<div class="client"><% if (it.client.logoUri) { %><img class="client-logo" src="<%= it.client.logoUri %>" alt="" width="48" height="48" referrerpolicy="no-referrer"><% } %><span class="client-name"><span class="client-label"><%= it.t('client.label') %></span><%= it.client.name %></span></div>`;
const LINKS = `<% if (it.client.policyUri || it.client.tosUri) { %><p class="links"><% if (it.client.policyUri) { %><a href="<%= it.client.policyUri %>" rel="noopener noreferrer" target="_blank"><%= it.t('consent.policy') %></a><% } %><% if (it.client.tosUri) { %><a href="<%= it.client.tosUri %>" rel="noopener noreferrer" target="_blank"><%= it.t('consent.terms') %></a><% } %></p><% } %>`;
const CSRF = `<input type="hidden" name="csrf" value="<%= it.csrf %>">`;

const LAYOUT = `<!doctype html>
<html lang="<%= it.lang %>">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="color-scheme" content="light dark">
<%~ it.head %>
<title><%= it.title %> · <%= it.brand.name %></title>
<link rel="stylesheet" href="<%= it.brand.stylesheet %>">
<link rel="icon" href="<%= it.brand.favicon %>">
</head>
<body>
<main class="page">
<header class="brand"><% if (it.brand.logo) { %><img class="brand-logo" src="<%= it.brand.logo %>" alt="<%= it.brand.name %>"><% } else { %><span class="brand-name"><%= it.brand.name %></span><% } %></header>
<div class="card">
<%~ it.body %>
</div>
</main>
<footer class="footer"><%= it.brand.name %></footer>
</body>
</html>`;

const TEMPLATES = {
  login: `<%~ include('@client', it) %>
<h1><%= it.t('login.title') %></h1>
<p class="lead"><%= it.t('login.to', { client: it.client.name }) %></p>
<% if (it.failed) { %><div class="alert" role="alert" id="login-error"><strong><%= it.t('login.failedTitle') %></strong><%= it.t('login.failed') %><% if (it.lockout) { %> <%= it.t('login.lockout', { attempts: String(it.lockout.attempts), duration: it.duration(it.lockout.duration) }) %><% } %></div><% } %>
<form method="post" action="<%= it.action %>">
${CSRF}
<div class="field"><label for="username"><%= it.t('login.username') %></label><input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="100" value="<%= it.username ?? '' %>"<% if (it.failed) { %> aria-invalid="true" aria-describedby="login-error"<% } %><% if (!it.username) { %> autofocus<% } %>></div>
<div class="field"><label for="password"><%= it.t('login.password') %></label><input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024"<% if (it.failed) { %> aria-invalid="true" aria-describedby="login-error"<% } %><% if (it.username) { %> autofocus<% } %>></div>
<% if (it.rememberMe) { %><div class="check"><input id="remember_me" name="remember_me" type="checkbox" value="on"<% if (it.rememberMe.checked) { %> checked<% } %>> <label for="remember_me"><%= it.t('login.remember') %></label></div><% } %>
<div class="actions"><button class="button primary" type="submit"><%= it.t('login.submit') %></button></div>
</form>
<%~ include('@links', it) %>`,
  totp: `<%~ include('@client', it) %>
<h1><%= it.t('totp.title') %></h1>
<p class="lead"><%= it.t('totp.prompt', { digits: String(it.digits ?? 6) }) %></p>
<% if (it.failed) { %><div class="alert" role="alert" id="totp-error"><strong><%= it.t('totp.failedTitle') %></strong><%= it.t('totp.failed') %></div><% } %>
<form method="post" action="<%= it.action %>">
${CSRF}
<div class="field"><label for="code"><%= it.t('totp.code') %></label><input class="code" id="code" name="code" type="text" inputmode="numeric" pattern="[0-9]{<%= it.digits ?? 6 %>}" autocomplete="one-time-code" required maxlength="<%= it.digits ?? 6 %>" aria-describedby="<% if (it.failed) { %>totp-error <% } %>code-hint"<% if (it.failed) { %> aria-invalid="true"<% } %> autofocus><span class="hint" id="code-hint"><%= it.t('totp.hint') %></span></div>
<div class="actions"><button class="button primary" type="submit"><%= it.t('totp.submit') %></button></div>
</form>`,
  consent: `<%~ include('@client', it) %>
<h1><%= it.t('consent.title') %></h1>
<p class="lead"><%= it.t('consent.asks', { client: it.client.name }) %></p>
<ul class="scopes"><% it.scopes.forEach(function (s) { %><li><%= it.scope(s) %></li><% }) %></ul>
<% if (it.claims.length > 0) { %><p><%= it.t('consent.claims') %></p><ul class="scopes"><% it.claims.forEach(function (c) { %><li><code><%= c %></code></li><% }) %></ul><% } %>
<form method="post" action="<%= it.action %>">
${CSRF}
<p class="who"><%= it.t('consent.signedInAs', { user: it.user }) %> <button class="link" type="submit" name="decision" value="switch"><%= it.t('consent.switch') %></button></p>
<div class="actions two">
<button class="button primary" type="submit" name="decision" value="allow"><%= it.t('consent.allow') %></button>
<button class="button secondary" type="submit" name="decision" value="deny"><%= it.t('consent.deny') %></button>
</div>
</form>
<%~ include('@links', it) %>`,
  error: `<h1><%= it.t('error.title') %></h1>
<% if (it.description) { %><p><%= it.description %></p><% } %>
<p class="lead"><%= it.t(it.error === 'temporarily_unavailable' ? 'error.retry' : 'error.back') %></p>
<p class="error-code"><%= it.t('error.code') %> <code><%= it.error %></code></p>`,
  'signed-out': `<h1><%= it.t('signedOut.title') %></h1>
<p class="lead"><%= it.t('signedOut.body') %></p>
<% (it.frames ?? []).forEach(function (f) { %><iframe src="<%= f %>" hidden width="0" height="0" title="" referrerpolicy="no-referrer"></iframe><% }) %>
<% if (it.next) { %><div class="actions"><a href="<%= it.next %>" class="button primary"><%= it.t('signedOut.continue') %></a></div><% } %>`,
  logout: `<h1><%= it.t('logout.title') %></h1>
<p class="lead"><% if (it.clientName) { %><%= it.t('logout.askFrom', { client: it.clientName }) %><% } else { %><%= it.t('logout.ask') %><% } %></p>
<p class="who"><%= it.t('logout.signedInAs', { user: it.user }) %></p>
<form method="post" action="<%= it.action %>">
${CSRF}
<input type="hidden" name="logout" value="<%= it.logout %>">
<div class="actions two">
<button class="button primary" type="submit" name="decision" value="logout" autofocus><%= it.t('logout.confirm') %></button>
<button class="button secondary" type="submit" name="decision" value="stay"><%= it.t('logout.cancel') %></button>
</div>
</form>`,
  'still-signed-in': `<h1><%= it.t('stillSignedIn.title') %></h1>
<p class="lead"><%= it.t('stillSignedIn.body') %></p>`,
  device: `<h1><%= it.t('device.title') %></h1>
<p class="lead"><%= it.t('device.lead') %></p>
<% if (it.failed) { %><div class="alert" role="alert" id="device-error"><strong><%= it.t('device.failedTitle') %></strong><%= it.failed === 'limited' ? it.t('device.limited') : it.t('device.failed') %></div><% } %>
<form method="post" action="<%= it.action %>">
${CSRF}
<div class="field"><label for="user_code"><%= it.t('device.code') %></label><input class="code" id="user_code" name="user_code" type="text" autocomplete="off" autocapitalize="characters" spellcheck="false" required maxlength="20" value="<%= it.userCode ?? '' %>" aria-describedby="<% if (it.failed) { %>device-error <% } %>user-code-hint"<% if (it.failed) { %> aria-invalid="true"<% } %> autofocus><span class="hint" id="user-code-hint"><%= it.t('device.hint') %></span></div>
<div class="actions"><button class="button primary" type="submit"><%= it.t('device.submit') %></button></div>
</form>`,
  'device-approved': `<%~ include('@client', it) %>
<h1><%= it.t('deviceApproved.title') %></h1>
<p class="lead"><%= it.t('deviceApproved.body', { client: it.client.name }) %></p>`,
} as const;

type PageName = keyof typeof TEMPLATES;

const TITLES: Record<PageName, MessageKey> = {
  login: 'login.title',
  totp: 'totp.title',
  consent: 'consent.title',
  error: 'error.title',
  'signed-out': 'signedOut.title',
  logout: 'logout.title',
  'still-signed-in': 'stillSignedIn.title',
  device: 'device.title',
  'device-approved': 'deviceApproved.title',
};

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

/** The pages, branded as configured (PAGES_*); built once at boot. */
export class Pages {
  private readonly eta = new Eta({ autoEscape: true, autoTrim: false, cache: true });
  private readonly brand: { name: string; stylesheet: string; favicon: string; logo?: string };

  /** `assetsUrl`: the path the assets are served at (with the issuer's path, if any). */
  constructor(branding: Branding, assetsUrl = `/${ASSETS_PATH}`) {
    const url = (a: Asset) => `${assetsUrl}/${a.name}`;
    this.brand = {
      name: branding.productName,
      stylesheet: url(branding.stylesheet),
      favicon: url(branding.favicon),
      logo: branding.logo && url(branding.logo),
    };
    const templates: Record<string, string> = {
      layout: LAYOUT,
      ...TEMPLATES,
      ...branding.templates,
    };
    for (const [name, template] of Object.entries(templates))
      this.eta.loadTemplate(`@${name}`, template);
    this.eta.loadTemplate('@client', CLIENT);
    this.eta.loadTemplate('@links', LINKS);
  }

  login(locale: UiLocale, page: LoginPage) {
    return this.render('login', locale, { ...page });
  }

  totp(locale: UiLocale, page: TotpPage) {
    return this.render('totp', locale, { ...page });
  }

  consent(locale: UiLocale, page: ConsentPage) {
    return this.render('consent', locale, { ...page });
  }

  error(locale: UiLocale, error: string, description?: string) {
    return this.render('error', locale, { error, description });
  }

  signedOut(locale: UiLocale, page: SignedOutPage = {}) {
    return this.render('signed-out', locale, { ...page });
  }

  logout(locale: UiLocale, page: LogoutPage) {
    return this.render('logout', locale, { ...page });
  }

  stillSignedIn(locale: UiLocale) {
    return this.render('still-signed-in', locale, {});
  }

  device(locale: UiLocale, page: DevicePage) {
    return this.render('device', locale, { ...page });
  }

  deviceApproved(locale: UiLocale, page: DeviceApprovedPage) {
    return this.render('device-approved', locale, { ...page });
  }

  private render(name: PageName, locale: UiLocale, data: Record<string, unknown>): RenderedPage {
    const t = (key: MessageKey, vars?: Record<string, string>) => translate(locale, key, vars);
    const it = {
      ...data,
      ...(data.client ? { client: safeDisplay(data.client as ClientDisplay) } : {}),
      t,
      scope: (s: string) => describeScope(locale, s),
      duration: (ms: number) => describeDuration(locale, ms),
      lang: locale,
      brand: this.brand,
    };
    const formTarget = typeof data.formTarget === 'string' ? data.formTarget : undefined;
    const frames = Array.isArray(data.frames) ? (data.frames as string[]) : [];
    // Front-channel frames get a moment to load before the browser moves on.
    const head =
      typeof data.next === 'string'
        ? `<meta http-equiv="refresh" content="${frames.length > 0 ? 2 : 0};url=${escapeHtml(data.next)}">`
        : '';
    const body = this.eta.render(`@${name}`, it);
    return {
      html: this.eta.render('@layout', { ...it, title: t(TITLES[name]), head, body }),
      csp: pageCsp(formTarget ? [formTarget] : [], frames),
    };
  }
}

/** The pages with the default branding, for unit tests and tools. */
export function defaultPages(): Pages {
  return new Pages(loadBranding({ productName: 'Single sign-on', primaryColor: '#2457c5' }));
}

/** Sends a page: never cached, with its own CSP (the adapter forbids framing every HTML answer). */
export function sendPage(
  reply: FastifyReply,
  page: RenderedPage,
  status = 200,
  headers: Record<string, string> = {},
): void {
  void reply
    .status(status)
    .headers({
      ...headers,
      'cache-control': 'no-store',
      'content-security-policy': page.csp,
    })
    .type('text/html; charset=utf-8')
    .send(page.html);
}
