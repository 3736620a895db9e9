import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { SigningService } from '../src/keys/signing.service.js';
import { SessionsService } from '../src/sessions/sessions.service.js';
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
import { discover, signInWith, startFlow } from './support/sign-in.js';

const CB = 'https://rp.example.com/cb';
const AFTER = 'https://rp.example.com/signed-out';
const FC_A = 'https://a.example.com/frontchannel?tenant=1';
const FC_B = 'https://b.example.org/fc';
const PASSWORD = 'correct horse battery staple';

/** RP-Initiated Logout 1.0 and Front-Channel Logout 1.0, one case per test. */
describe(`RP-initiated and front-channel logout on ${target}`, { timeout: 180_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;
  let user: User;
  /** No front-channel URI: a sign-out redirects at once. */
  let plain: oidc.Configuration;
  /** Front-channel with `iss` and `sid`. */
  let withSid: oidc.Configuration;
  /** Front-channel without them. */
  let withoutSid: oidc.Configuration;

  before(async () => {
    storage = await createStorage();
    provider = await startProvider(storage.env);
    user = await provider.app.get(UsersService).create({
      username: `lena-${randomBytes(3).toString('hex')}`,
      password: PASSWORD,
      claims: { name: 'Lena Logout', email: 'lena@example.com', email_verified: true },
      origin: 'admin',
    });
    const register = async (extra: Record<string, unknown>) =>
      discover(
        provider.config.issuer,
        await registerClient(provider.app, {
          client_name: 'Logout RP',
          redirect_uris: [CB],
          post_logout_redirect_uris: [AFTER],
          grant_types: ['authorization_code'],
          scope: 'openid email',
          ...extra,
        }),
      );
    plain = await register({});
    withSid = await register({
      frontchannel_logout_uri: FC_A,
      frontchannel_logout_session_required: true,
    });
    withoutSid = await register({ frontchannel_logout_uri: FC_B });
  });
  after(async () => {
    await provider?.close();
    await storage?.dispose();
  });

  const credentials = () => ({ username: user.username, password: PASSWORD });

  async function signedIn(config = plain) {
    const browser = new Browser(provider.url);
    const tokens = await signInWith(browser, config, CB, credentials());
    const cookie = browser.cookies.get(provider.config.session.cookieName);
    assert.ok(cookie, 'a session cookie');
    return { browser, tokens, idToken: tokens.id_token!, cookie };
  }

  const sessionAlive = async (cookie: string) =>
    (await provider.app.get(SessionsService).resolve(cookie)) !== undefined;

  async function promptNone(browser: Browser) {
    const flow = await startFlow(plain, CB, { prompt: 'none' });
    return new URL((await browser.get(flow.url.href)).url);
  }

  function endSessionUrl(config: oidc.Configuration, params: Record<string, string>) {
    return oidc.buildEndSessionUrl(config, params).href;
  }

  function assertSignedOutPage(page: Visit) {
    assert.equal(page.status, 200, page.html.slice(0, 300));
    assert.ok(page.url.startsWith(`${provider.url}/end_session`), page.url);
    assert.match(page.html, /You are signed out\./);
  }

  function assertConfirmation(page: Visit) {
    assert.equal(page.status, 200, page.html.slice(0, 300));
    const form = Browser.forms(page.html).find((f) => f.action.endsWith('/end_session/confirm'));
    assert.ok(form?.fields.csrf, 'a CSRF token');
    return form;
  }

  test('a valid hint with state: signed out at once, redirected with state; then login_required', async () => {
    assert.equal(plain.serverMetadata().end_session_endpoint, `${provider.url}/end_session`);
    assert.equal(plain.serverMetadata().frontchannel_logout_supported, true);
    assert.equal(plain.serverMetadata().frontchannel_logout_session_supported, true);
    const { browser, idToken, cookie } = await signedIn();
    const state = oidc.randomState();
    const landed = await browser.get(
      endSessionUrl(plain, {
        id_token_hint: idToken,
        post_logout_redirect_uri: AFTER,
        state,
      }),
    );
    assert.equal(landed.status, 303);
    const url = new URL(landed.url);
    assert.equal(url.origin + url.pathname, AFTER);
    assert.deepEqual([...url.searchParams], [['state', state]]);
    assert.equal(await sessionAlive(cookie), false, 'the session is gone');
    assert.equal(browser.cookies.has(provider.config.session.cookieName), false, 'cookie cleared');
    // Even with the old cookie, prompt=none finds no session.
    browser.cookies.set(provider.config.session.cookieName, cookie);
    const silent = await promptNone(browser);
    assert.equal(silent.searchParams.get('error'), 'login_required');
  });

  test('an unregistered post_logout_redirect_uri: signed out, but no redirect', async () => {
    const { browser, idToken, cookie } = await signedIn();
    const page = await browser.get(
      endSessionUrl(plain, {
        id_token_hint: idToken,
        post_logout_redirect_uri: 'https://rp.example.com/elsewhere',
        state: 'abc',
      }),
    );
    assertSignedOutPage(page);
    assert.doesNotMatch(page.html, /elsewhere/);
    assert.equal(await sessionAlive(cookie), false);
  });

  test('a registered URI with an added query: no redirect', async () => {
    const { browser, idToken } = await signedIn();
    const page = await browser.get(
      endSessionUrl(plain, {
        id_token_hint: idToken,
        post_logout_redirect_uri: `${AFTER}?next=/admin`,
        state: 'abc',
      }),
    );
    assertSignedOutPage(page);
    assert.doesNotMatch(page.html, /signed-out\?next/);
  });

  test('an unsigned hint (alg none): no redirect, and the user must confirm', async () => {
    const { browser, idToken, cookie } = await signedIn();
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify(decodeJwt(idToken))).toString('base64url');
    const page = await browser.get(
      endSessionUrl(plain, {
        id_token_hint: `${header}.${payload}.`,
        post_logout_redirect_uri: AFTER,
        state: 'abc',
      }),
    );
    assertConfirmation(page);
    assert.equal(await sessionAlive(cookie), true, 'not signed out without confirmation');
    const done = await browser.submit(page, '/end_session/confirm', { decision: 'logout' });
    assertSignedOutPage(done);
    assert.equal(await sessionAlive(cookie), false);
  });

  test('a hint signed by a foreign key (with our kid): no redirect', async () => {
    const { browser, idToken, cookie } = await signedIn();
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    assert.ok((await exportJWK(publicKey)).n);
    const forged = await new SignJWT(decodeJwt(idToken))
      .setProtectedHeader({ alg: 'RS256', kid: decodeProtectedHeader(idToken).kid })
      .sign(privateKey);
    const page = await browser.get(
      endSessionUrl(plain, {
        id_token_hint: forged,
        post_logout_redirect_uri: AFTER,
        state: 'abc',
      }),
    );
    assertConfirmation(page);
    const done = await browser.submit(page, '/end_session/confirm', { decision: 'logout' });
    assertSignedOutPage(done);
    assert.equal(await sessionAlive(cookie), false);
  });

  test('an expired hint signed by us is still a valid hint', async () => {
    const { browser, idToken, cookie } = await signedIn();
    const claims = decodeJwt(idToken);
    const expired = await provider.app
      .get(SigningService)
      .sign({ ...claims, iat: claims.iat! - 7200, exp: claims.iat! - 3600 });
    const landed = await browser.get(
      endSessionUrl(plain, { id_token_hint: expired, post_logout_redirect_uri: AFTER }),
    );
    assert.equal(landed.status, 303);
    assert.equal(landed.url, AFTER);
    assert.equal(await sessionAlive(cookie), false);
  });

  test('no hint: a confirmation page; on confirm, signed out and redirected with state', async () => {
    const { browser, cookie } = await signedIn();
    const page = await browser.get(
      endSessionUrl(plain, { post_logout_redirect_uri: AFTER, state: 'st-1', ui_locales: 'fr' }),
    );
    assert.match(page.html, /Logout RP vous demande de vous déconnecter/);
    assert.match(page.html, /Lena Logout/);
    assert.match(
      page.headers.get('content-security-policy') ?? '',
      /form-action 'self' https:\/\/rp\.example\.com/,
    );
    assertConfirmation(page);
    assert.equal(await sessionAlive(cookie), true);
    const landed = await browser.submit(page, '/end_session/confirm', { decision: 'logout' });
    assert.equal(landed.status, 303);
    assert.equal(landed.url, `${AFTER}?state=st-1`);
    assert.equal(await sessionAlive(cookie), false);
    assert.equal((await promptNone(browser)).searchParams.get('error'), 'login_required');
  });

  test('no parameters: confirm, then the signed-out page; without a session, signed out at once', async () => {
    const { browser, cookie } = await signedIn();
    const page = await browser.get(`${provider.url}/end_session`);
    assert.match(page.html, /Do you want to sign out\?/);
    assertConfirmation(page);
    assertSignedOutPage(await browser.submit(page, '/end_session/confirm', { decision: 'logout' }));
    assert.equal(await sessionAlive(cookie), false);
    assertSignedOutPage(await new Browser(provider.url).get(`${provider.url}/end_session`));
  });

  test('no session and no hint: the registered URI is a link the user follows, never a redirect', async () => {
    const params = { post_logout_redirect_uri: AFTER, state: 'st-nohint' };
    const page = await new Browser(provider.url).get(endSessionUrl(plain, params));
    assertSignedOutPage(page);
    assert.ok(page.html.includes(`href="${AFTER}?state=st-nohint"`), 'a link to continue');
    // With a valid hint the registrant is proven: redirected at once.
    const { idToken } = await signedIn();
    const landed = await new Browser(provider.url).get(
      endSessionUrl(plain, { ...params, id_token_hint: idToken }),
    );
    assert.equal(landed.status, 303);
    assert.equal(landed.url, `${AFTER}?state=st-nohint`);
  });

  test('only state: confirmation, then the signed-out page and no redirect', async () => {
    const { browser, cookie } = await signedIn();
    const page = await browser.get(`${provider.url}/end_session?state=only-state`);
    assertConfirmation(page);
    const done = await browser.submit(page, '/end_session/confirm', { decision: 'logout' });
    assertSignedOutPage(done);
    assert.doesNotMatch(done.html, /only-state/);
    assert.equal(await sessionAlive(cookie), false);
  });

  test('no state: redirected without state', async () => {
    const { browser, idToken } = await signedIn();
    const landed = await browser.get(
      endSessionUrl(plain, { id_token_hint: idToken, post_logout_redirect_uri: AFTER }),
    );
    assert.equal(landed.status, 303);
    assert.equal(landed.url, AFTER);
  });

  test('logout_hint naming the signed-in user (sid, sub or username) ends the session at once', async () => {
    for (const pick of ['sid', 'sub', 'username'] as const) {
      const { browser, idToken, cookie } = await signedIn();
      const claims = decodeJwt(idToken);
      const hint = pick === 'username' ? user.username : String(claims[pick]);
      const landed = await browser.get(
        endSessionUrl(plain, {
          id_token_hint: idToken,
          logout_hint: hint,
          post_logout_redirect_uri: AFTER,
        }),
      );
      assert.equal(landed.status, 303, pick);
      assert.equal(landed.url, AFTER, pick);
      assert.equal(await sessionAlive(cookie), false, pick);
    }
  });

  test('logout_hint naming someone else: the user confirms, and the redirect is kept', async () => {
    const { browser, idToken, cookie } = await signedIn();
    const page = await browser.get(
      endSessionUrl(plain, {
        id_token_hint: idToken,
        logout_hint: 'someone-else',
        post_logout_redirect_uri: AFTER,
        state: 'hinted',
      }),
    );
    assertConfirmation(page);
    assert.equal(await sessionAlive(cookie), true, 'not signed out without confirmation');
    const done = await browser.submit(page, '/end_session/confirm', { decision: 'logout' });
    assert.equal(done.status, 303);
    assert.equal(done.url, `${AFTER}?state=hinted`);
    assert.equal(await sessionAlive(cookie), false);
  });

  test('POST end_session with a form body works as GET', async () => {
    const { browser, idToken, cookie } = await signedIn();
    const config = plain.clientMetadata();
    const landed = await browser.post(`${provider.url}/end_session`, {
      id_token_hint: idToken,
      client_id: String(config.client_id),
      post_logout_redirect_uri: AFTER,
      state: 'posted',
    });
    assert.equal(landed.status, 303);
    assert.equal(landed.url, `${AFTER}?state=posted`);
    assert.equal(await sessionAlive(cookie), false);
  });

  test('a confirmation without its CSRF token, or from another session, is refused; cancel keeps the session', async () => {
    const { browser, cookie } = await signedIn();
    const page = await browser.get(`${provider.url}/end_session`);
    const form = assertConfirmation(page);
    const noCsrf = await browser.post(new URL(form.action, page.url).href, {
      logout: form.fields.logout,
      decision: 'logout',
    });
    assert.equal(noCsrf.status, 400);
    const wrongCsrf = await browser.post(new URL(form.action, page.url).href, {
      ...form.fields,
      csrf: 'x'.repeat(43),
      decision: 'logout',
    });
    assert.equal(wrongCsrf.status, 400);
    assert.equal(await sessionAlive(cookie), true);
    // Another browser with its own session cannot use this form.
    const other = await signedIn();
    const foreign = await other.browser.submit(page, '/end_session/confirm', {
      decision: 'logout',
    });
    assert.equal(foreign.status, 400);
    assert.equal(await sessionAlive(other.cookie), true);
    assert.equal(await sessionAlive(cookie), true);
    // Cancelling (a fresh form: each is answered once) keeps the session.
    const again = await browser.get(`${provider.url}/end_session`);
    const stay = await browser.submit(again, '/end_session/confirm', { decision: 'stay' });
    assert.equal(stay.status, 200);
    assert.match(stay.html, /You are still signed in\./);
    assert.equal(await sessionAlive(cookie), true);
  });

  test('bad input at /end_session: a 400 page or a confirmation, never a 5xx, a stack or a redirect', async () => {
    const { browser, idToken, cookie } = await signedIn();
    const endpoint = `${provider.url}/end_session`;
    const get = (query: string) => browser.get(`${endpoint}?${query}`);
    const refused: [string, Promise<Visit>][] = [
      ['a repeated parameter', get(`state=a&state=b`)],
      ['a repeated hint', get(`id_token_hint=${idToken}&id_token_hint=${idToken}`)],
      ['an overlong state', get(`state=${'s'.repeat(2_001)}`)],
      // Posted: a URL this long is refused by Node's own header limit (431).
      ['an overlong hint', browser.post(endpoint, { id_token_hint: 'h'.repeat(16_385) })],
      ['an overlong logout_hint', get(`logout_hint=${'u'.repeat(201)}`)],
      ['a JSON body', browser.visitRaw(endpoint, 'application/json', '{"state":"x"}')],
      ['a text body', browser.visitRaw(endpoint, 'text/plain', 'state=x')],
      ['a confirm without a form', browser.visitRaw(`${endpoint}/confirm`, 'text/plain', 'x')],
      [
        'a confirm with garbage',
        browser.post(`${endpoint}/confirm`, { logout: '../../x', csrf: '%00' }),
      ],
    ];
    for (const [what, visit] of refused) {
      const page = await visit;
      assert.equal(page.status, 400, `${what}: ${page.html.slice(0, 200)}`);
      assert.ok(page.url.startsWith(provider.url), `${what}: no redirect`);
      assert.doesNotMatch(page.html, /at \w+ \(|node:internal|\.ts:\d+/, `${what}: no stack`);
    }
    assert.equal(await sessionAlive(cookie), true, 'nothing was signed out');

    // Hints that are not ours, and clients that do not exist, only lose the redirect.
    for (const [what, query] of [
      ['a hint that is not a JWT', 'id_token_hint=not.a.jwt'],
      ['a hint of random bytes', `id_token_hint=${randomBytes(40).toString('base64url')}`],
      [
        'an unknown client_id',
        'client_id=nobody&post_logout_redirect_uri=' + encodeURIComponent(AFTER),
      ],
      [
        'a client_id the hint does not name',
        `client_id=nobody&id_token_hint=${idToken}&post_logout_redirect_uri=${encodeURIComponent(AFTER)}`,
      ],
      ['a javascript: redirect', 'post_logout_redirect_uri=javascript:alert(1)'],
    ]) {
      const page = await get(query);
      assertConfirmation(page);
      assert.doesNotMatch(page.html, /javascript:|rp\.example\.com\/signed-out/, what);
    }
    // An empty form is a request without parameters: the user is asked.
    assertConfirmation(await browser.visitRaw(endpoint, 'application/x-www-form-urlencoded', ''));
    assert.equal(await sessionAlive(cookie), true, 'still not signed out');
  });

  test('front-channel: the signed-out page frames each client, with iss and sid exactly when required', async () => {
    const browser = new Browser(provider.url);
    const a = await signInWith(browser, withSid, CB, credentials());
    await signInWith(browser, withoutSid, CB, credentials());
    await signInWith(browser, plain, CB, credentials());
    const sid = a.claims()!.sid as string;
    const page = await browser.get(
      endSessionUrl(withSid, {
        id_token_hint: a.id_token!,
        post_logout_redirect_uri: AFTER,
        state: 'fc',
      }),
    );
    assertSignedOutPage(page);
    const frames = [...page.html.matchAll(/<iframe src="([^"]*)"/g)].map((m) =>
      m[1].replace(/&amp;/g, '&'),
    );
    assert.equal(frames.length, 2, page.html);
    const fa = new URL(frames.find((f) => f.startsWith('https://a.example.com/'))!);
    assert.equal(fa.origin + fa.pathname, 'https://a.example.com/frontchannel');
    assert.equal(fa.searchParams.get('tenant'), '1');
    assert.equal(fa.searchParams.get('iss'), provider.config.issuer);
    assert.equal(fa.searchParams.get('sid'), sid);
    assert.ok(frames.includes(FC_B), 'no iss or sid for a client that did not ask');
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /frame-src https:\/\/a\.example\.com https:\/\/b\.example\.org;/);
    assert.match(csp, /default-src 'none'/);
    // Then on to the client, without script.
    assert.match(
      page.html,
      /<meta http-equiv="refresh" content="2;url=https:\/\/rp\.example\.com\/signed-out\?state=fc"[ >]/,
    );
    assert.match(page.html, /<a href="https:\/\/rp\.example\.com\/signed-out\?state=fc"[ >]/);
  });
});
