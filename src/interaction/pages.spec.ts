import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeScope, pickLocale, translate } from './i18n.js';
import { defaultPages } from './pages.js';

const pages = defaultPages();

const client = { name: 'Reports', logoUri: 'https://reports.example/logo.png' };

test('every value is escaped: a hostile client name or login hint stays text', () => {
  const { html, csp } = pages.login('en', {
    action: '/interaction/abc/login',
    csrf: 'csrf-token-1',
    client: { name: '<script>alert(1)</script>', policyUri: 'javascript:alert(1)' },
    username: '"><img src=x onerror=alert(1)>',
  });
  assert.ok(!html.includes('<script>alert(1)</script>'));
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.ok(!html.includes('"><img'));
  assert.ok(!html.includes('javascript:'), 'only http(s) links are shown');
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /form-action 'self'/);
  assert.doesNotMatch(html, /<script/i, 'the login page needs no script');
});

test("a sign-in page's CSP lets its form's answer redirect to the client, and nowhere else", () => {
  const page = (formTarget?: string) =>
    pages.consent('en', {
      action: '/interaction/abc/consent',
      formTarget,
      csrf: 'csrf-token-1',
      client,
      user: 'Alice',
      scopes: ['openid'],
      claims: [],
    }).csp;
  assert.match(page(), /form-action 'self';/);
  assert.match(
    page('https://rp.example.com/cb?x=1'),
    /form-action 'self' https:\/\/rp\.example\.com;/,
  );
  assert.match(
    page('http://127.0.0.1:3000/callback'),
    /form-action 'self' http:\/\/127\.0\.0\.1:3000;/,
  );
  assert.match(page('com.example.app:/oauth'), /form-action 'self' com\.example\.app:;/);
  assert.match(page('not a uri'), /form-action 'self';/);
  const login = pages.login('en', {
    action: '/interaction/abc/login',
    formTarget: 'https://rp.example.com/cb',
    csrf: 'c',
    client,
  });
  assert.match(login.csp, /form-action 'self' https:\/\/rp\.example\.com;/);
});

test('the login form: plain fields username and password, the CSRF token, the hint prefilled', () => {
  const { html } = pages.login('en', {
    action: '/interaction/abc/login',
    csrf: 'csrf-token-1',
    client,
    username: 'alice',
    failed: true,
  });
  assert.match(html, /<form method="post" action="\/interaction\/abc\/login">/);
  assert.match(html, /name="csrf" value="csrf-token-1"/);
  assert.match(html, /name="username"[^>]*value="alice"/);
  assert.match(html, /name="password" type="password"/);
  assert.match(html, /role="alert"/);
  assert.match(html, /src="https:\/\/reports.example\/logo.png"/);
  assert.match(html, /<html lang="en">/);
});

test('"keep me signed in" only when offered (SESSION_REMEMBER_ME not 0), labelled, in both languages', () => {
  const base = { action: '/interaction/abc/login', csrf: 'c', client };
  assert.doesNotMatch(pages.login('en', base).html, /remember_me/);
  const offered = pages.login('en', { ...base, rememberMe: { checked: false } }).html;
  assert.match(offered, /<input id="remember_me" name="remember_me" type="checkbox" value="on">/);
  assert.match(offered, /<label for="remember_me">Keep me signed in on this device<\/label>/);
  const checked = pages.login('fr', { ...base, rememberMe: { checked: true } }).html;
  assert.match(checked, /value="on" checked>/);
  assert.match(checked, /Rester connecté sur cet appareil/);
});

test('consent lists the scopes in plain words, the claims, and the client links', () => {
  const { html } = pages.consent('fr', {
    action: '/interaction/abc/consent',
    csrf: 'c',
    client: {
      ...client,
      policyUri: 'https://reports.example/privacy',
      tosUri: 'https://reports.example/tos',
    },
    user: 'alice',
    scopes: ['openid', 'email', 'reports:read'],
    claims: ['phone_number'],
  });
  assert.match(html, /<html lang="fr">/);
  assert.ok(html.includes('Voir votre adresse e-mail'));
  assert.ok(html.includes('reports:read'));
  assert.ok(html.includes('<code>phone_number</code>'));
  assert.match(html, /href="https:\/\/reports.example\/privacy"/);
  assert.match(html, /name="decision" value="allow"/);
  assert.match(html, /name="decision" value="deny"/);
});

test('the language: ui_locales first, then Accept-Language, then English', () => {
  assert.equal(pickLocale(['de', 'fr-CA']), 'fr');
  assert.equal(pickLocale([], 'de-DE,fr;q=0.8,en;q=0.5'), 'fr');
  assert.equal(pickLocale([], 'fr;q=0, en'), 'en');
  assert.equal(pickLocale(['es']), 'en');
  assert.equal(pickLocale([], 'garbage;;q=x,,'), 'en');
  assert.equal(translate('en', 'login.to', { client: 'X' }), 'to continue to X');
  assert.equal(describeScope('en', 'custom:scope'), 'Use the permission “custom:scope”');
});

test('error and signed-out pages', () => {
  const error = pages.error('en', 'invalid_request', 'redirect_uri is not registered <b>');
  assert.ok(error.html.includes('redirect_uri is not registered &lt;b&gt;'));
  assert.ok(pages.signedOut('fr').html.includes('Vous êtes déconnecté.'));
});

test('a failed sign-in tells the lockout rule in words, the same for every cause', () => {
  const base = { action: '/interaction/abc/login', csrf: 'c', client, failed: true };
  const lockout = { attempts: 3, duration: 300_000 };
  assert.match(
    pages.login('en', { ...base, lockout }).html,
    /After 3 failed attempts, .* for 5 minutes/,
  );
  assert.match(
    pages.login('fr', { ...base, lockout: { attempts: 5, duration: 7_200_000 } }).html,
    /Après 5 échecs, .* pendant 2 heures/,
  );
  assert.doesNotMatch(
    pages.login('en', base).html,
    /failed attempts/,
    'no rule when regulation is off',
  );
});

test('the consent form offers "not you?" as its own decision, and names the stylesheet it loads', () => {
  const { html, csp } = pages.consent('en', {
    action: '/interaction/abc/consent',
    csrf: 'c',
    client,
    user: 'Alice',
    scopes: ['openid'],
    claims: [],
  });
  assert.match(
    html,
    /<button class="link" type="submit" name="decision" value="switch">Not you\? Use another account<\/button>/,
  );
  assert.match(html, /<link rel="stylesheet" href="\/assets\/pages\.[\w-]{16}\.css">/);
  assert.doesNotMatch(
    html,
    /<style|style="/,
    'no inline style: the CSP allows the stylesheet only',
  );
  assert.match(csp, /style-src 'self';/);
});

test('the TOTP field takes as many digits as TOTP_DIGITS, 6 by default', () => {
  const base = { action: '/interaction/abc/totp', csrf: 'c', client };
  const six = pages.totp('en', base).html;
  assert.match(six, /pattern="\[0-9\]\{6\}" autocomplete="one-time-code" required maxlength="6"/);
  assert.match(six, /Enter the 6-digit code/);
  const eight = pages.totp('fr', { ...base, digits: 8 }).html;
  assert.match(eight, /pattern="\[0-9\]\{8\}" autocomplete="one-time-code" required maxlength="8"/);
  assert.match(eight, /code à 8 chiffres/);
});
