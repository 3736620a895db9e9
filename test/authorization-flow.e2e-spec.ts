import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import type { User } from '../src/users/user.entity.js';
import { UsersService } from '../src/users/users.service.js';
import { Browser, type Visit } from './support/browser.js';
import { registerClient } from './support/clients.js';
import {
  createStorage,
  startProvider,
  target,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

const CB = 'https://rp.example.com/cb';
const PASSWORD = 'correct horse battery staple';

/**
 * The code flow end to end: openid-client builds the request and redeems the code, a small
 * form driver signs in on the real pages.
 */
describe(`authorization code flow on ${target}`, { timeout: 180_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;
  let user: User;
  let client: { clientId: string; secret?: string };
  let config: oidc.Configuration;

  before(async () => {
    storage = await createStorage();
    provider = await startProvider(storage.env);
    user = await provider.app.get(UsersService).create({
      username: `erin-${randomBytes(3).toString('hex')}`,
      password: PASSWORD,
      claims: { name: 'Erin Example', email: 'erin@example.com', email_verified: true },
      origin: 'admin',
    });
    client = await registerClient(provider.app, {
      client_name: 'Example RP',
      redirect_uris: [CB],
      grant_types: ['authorization_code'],
      scope: 'openid profile email',
    });
    config = await oidc.discovery(
      new URL(provider.config.issuer),
      client.clientId,
      undefined,
      oidc.ClientSecretBasic(client.secret),
      { execute: [oidc.allowInsecureRequests] },
    );
  });
  after(async () => {
    await provider?.close();
    await storage?.dispose();
  });

  async function start(extra: Record<string, string> = {}) {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: CB,
      scope: 'openid email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...extra,
    });
    return { url, verifier, state, nonce };
  }

  async function finish(landed: Visit, flow: { verifier: string; state: string; nonce: string }) {
    assert.ok(
      landed.url.startsWith(CB),
      `expected the redirect URI, got ${landed.url} (${landed.status}) ${landed.html.slice(0, 200)}`,
    );
    return oidc.authorizationCodeGrant(config, new URL(landed.url), {
      pkceCodeVerifier: flow.verifier,
      expectedState: flow.state,
      expectedNonce: flow.nonce,
      idTokenExpected: true,
    });
  }

  async function signIn(browser: Browser, page: Visit): Promise<Visit> {
    const afterLogin = await browser.submit(page, '/login', {
      username: user.username,
      password: PASSWORD,
    });
    return afterLogin.url.startsWith(CB)
      ? afterLogin
      : browser.submit(afterLogin, '/consent', { decision: 'allow' });
  }

  test('login, consent, code, tokens and UserInfo; then silent with prompt=none', async () => {
    const browser = new Browser(provider.url);
    const flow = await start();
    const loginPage = await browser.get(flow.url.href);
    assert.equal(loginPage.status, 200);
    assert.match(loginPage.html, /Example RP/);
    assert.match(loginPage.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const consentPage = await browser.submit(loginPage, '/login', {
      username: user.username,
      password: PASSWORD,
    });
    assert.equal(consentPage.status, 200, consentPage.html.slice(0, 300));
    assert.match(consentPage.html, /See your email address/);
    const landed = await browser.submit(consentPage, '/consent', { decision: 'allow' });
    const tokens = await finish(landed, flow);
    const claims = tokens.claims()!;
    assert.equal(claims.sub, user.id);
    assert.deepEqual(claims.amr, ['pwd']);
    assert.equal(claims.acr, 'one_factor');
    assert.ok(claims.sid);
    const info = await oidc.fetchUserInfo(config, tokens.access_token, user.id);
    assert.equal(info.email, 'erin@example.com');
    // UserInfo by POST, the token in the header and then in a form body (RFC 6750 §2.1, §2.2).
    const byHeader = await fetch(`${provider.url}/userinfo`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.deepEqual(await byHeader.json(), info);
    const byBody = await fetch(`${provider.url}/userinfo`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ access_token: tokens.access_token }).toString(),
    });
    assert.deepEqual(await byBody.json(), info);

    // The session and the remembered consent make the next request silent.
    const silent = await start({ prompt: 'none' });
    const again = await finish(await browser.get(silent.url.href), silent);
    assert.equal(again.claims()!.sub, user.id);
    assert.equal(again.claims()!.sid, claims.sid, 'the same session');
  });

  test('prompt=none without a session: login_required at the redirect URI with state', async () => {
    const flow = await start({ prompt: 'none' });
    const landed = await new Browser(provider.url).get(flow.url.href);
    const url = new URL(landed.url);
    assert.equal(url.origin + url.pathname, CB);
    assert.equal(url.searchParams.get('error'), 'login_required');
    assert.equal(url.searchParams.get('state'), flow.state);
    assert.equal(url.searchParams.get('iss'), provider.config.issuer);
  });

  test('form_post and fragment response modes', async () => {
    const browser = new Browser(provider.url);
    const first = await start();
    await finish(await signIn(browser, await browser.get(first.url.href)), first);

    const post = await start({ response_mode: 'form_post' });
    const page = await browser.get(post.url.href);
    assert.equal(page.status, 200);
    const [form] = Browser.forms(page.html);
    assert.equal(form.action, CB);
    assert.equal(form.fields.state, post.state);
    assert.equal(form.fields.iss, provider.config.issuer);
    assert.match(
      page.headers.get('content-security-policy') ?? '',
      /form-action https:\/\/rp\.example\.com/,
    );
    assert.equal(page.headers.get('x-frame-options'), 'DENY', 'the form_post page is never framed');
    const viaPost = await oidc.authorizationCodeGrant(
      config,
      new URL(`${CB}?${new URLSearchParams(form.fields).toString()}`),
      { pkceCodeVerifier: post.verifier, expectedState: post.state, expectedNonce: post.nonce },
    );
    assert.equal(viaPost.claims()!.sub, user.id);

    const fragment = await start({ response_mode: 'fragment' });
    const landed = await browser.get(fragment.url.href);
    const hash = new URLSearchParams(new URL(landed.url).hash.slice(1));
    assert.ok(hash.get('code'));
    assert.equal(hash.get('state'), fragment.state);
  });

  test('a wrong password shows the login page again with one message; CSRF is required', async () => {
    const browser = new Browser(provider.url);
    const flow = await start();
    const loginPage = await browser.get(flow.url.href);
    const wrong = await browser.submit(loginPage, '/login', {
      username: user.username,
      password: 'not the password',
    });
    assert.equal(wrong.status, 401);
    assert.match(wrong.html, /role="alert"/);
    const unknown = await browser.submit(loginPage, '/login', {
      username: 'nobody-at-all',
      password: 'not the password',
    });
    assert.equal(unknown.status, 401);
    assert.equal(
      unknown.html.match(/<p role="alert">[^<]*<\/p>/)?.[0],
      wrong.html.match(/<p role="alert">[^<]*<\/p>/)?.[0],
      'the same answer for an unknown user',
    );
    const noCsrf = await browser.submit(loginPage, '/login', {
      csrf: '',
      username: user.username,
      password: PASSWORD,
    });
    assert.equal(noCsrf.status, 400);
    const otherBrowser = new Browser(provider.url);
    const stolen = await otherBrowser.submit(loginPage, '/login', {
      username: user.username,
      password: PASSWORD,
    });
    assert.equal(stolen.status, 400, 'an interaction belongs to the browser that began it');
  });

  test('a consent answer without its CSRF token is refused and grants nothing', async () => {
    const browser = new Browser(provider.url);
    const flow = await start({ prompt: 'consent' });
    const consentPage = await browser.submit(await browser.get(flow.url.href), '/login', {
      username: user.username,
      password: PASSWORD,
    });
    const forged = await browser.submit(consentPage, '/consent', {
      csrf: 'forged',
      decision: 'allow',
    });
    assert.equal(forged.status, 400);
    assert.ok(!forged.url.startsWith(CB), 'no code was sent');
    const landed = await browser.submit(consentPage, '/consent', { decision: 'allow' });
    await finish(landed, flow);
  });

  test('consent lists the user claims a claims request names, not protocol claims like acr', async () => {
    const browser = new Browser(provider.url);
    const flow = await start({
      prompt: 'consent',
      claims: JSON.stringify({
        id_token: { acr: { essential: true }, auth_time: null },
        userinfo: { name: null },
      }),
    });
    const consentPage = await browser.submit(await browser.get(flow.url.href), '/login', {
      username: user.username,
      password: PASSWORD,
    });
    assert.match(consentPage.html, /<code>name<\/code>/);
    assert.doesNotMatch(consentPage.html, /<code>(acr|auth_time)<\/code>/);
  });

  test('denying consent answers access_denied', async () => {
    const browser = new Browser(provider.url);
    const flow = await start({ prompt: 'consent' });
    const consentPage = await browser.submit(await browser.get(flow.url.href), '/login', {
      username: user.username,
      password: PASSWORD,
    });
    const landed = await browser.submit(consentPage, '/consent', { decision: 'deny' });
    const url = new URL(landed.url);
    assert.equal(url.searchParams.get('error'), 'access_denied');
    assert.equal(url.searchParams.get('state'), flow.state);
  });

  test('an unknown client or redirect URI gets the error page, never a redirect', async () => {
    const browser = new Browser(provider.url);
    for (const params of [
      { client_id: 'nobody', redirect_uri: CB, response_type: 'code', scope: 'openid' },
      {
        client_id: client.clientId,
        redirect_uri: `${CB}/other`,
        response_type: 'code',
        scope: 'openid',
      },
      {
        client_id: client.clientId,
        redirect_uri: `${CB}?x=1`,
        response_type: 'code',
        scope: 'openid',
      },
    ]) {
      const page = await browser.get(
        `${provider.url}/authorize?${new URLSearchParams(params).toString()}`,
      );
      assert.equal(page.url.startsWith(provider.url), true, `stayed on the provider: ${page.url}`);
      assert.equal(page.status, 400);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
      assert.match(page.html, /Something went wrong/);
    }
    // In the language asked for: ui_locales first, then Accept-Language.
    const unknown = { client_id: 'nobody', redirect_uri: CB, response_type: 'code' };
    const french = await browser.get(
      `${provider.url}/authorize?${new URLSearchParams({ ...unknown, ui_locales: 'fr-CA en' }).toString()}`,
    );
    assert.equal(french.status, 400);
    assert.match(french.html, /<html lang="fr"/);
    assert.match(french.html, /Une erreur est survenue/);
    const byHeader = await fetch(
      `${provider.url}/authorize?${new URLSearchParams(unknown).toString()}`,
      { headers: { 'accept-language': 'fr;q=0.9, de;q=0.5' } },
    );
    assert.match(await byHeader.text(), /Une erreur est survenue/);
    assert.equal(byHeader.headers.get('x-frame-options'), 'DENY');
  });

  test('discovery describes the authorization endpoint', () => {
    const doc = config.serverMetadata();
    assert.equal(doc.authorization_endpoint, `${provider.url}/authorize`);
    assert.deepEqual(doc.response_types_supported, ['code']);
    assert.deepEqual(doc.code_challenge_methods_supported, ['S256']);
    assert.equal(doc.authorization_response_iss_parameter_supported, true);
    assert.ok(doc.grant_types_supported?.includes('authorization_code'));
  });
});
