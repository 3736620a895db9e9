import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import type { User } from '../src/users/user.entity.js';
import { UsersService } from '../src/users/users.service.js';
import { generateTotpSecret, totpCode } from '../src/users/totp.js';
import { Browser, type Visit } from './support/browser.js';
import { basicAuth, postForm, registerClient } from './support/clients.js';
import { MovableClock } from './support/clock.js';
import {
  createStorage,
  startProvider,
  target,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

const CB = 'https://rp.example.com/cb';
const PASSWORD = 'correct horse battery staple';

type Tokens = Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;

/** One test per behaviour the OpenID Foundation's Basic, Config and Form Post plans check. */
describe(`authorization conformance on ${target}`, { timeout: 180_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;
  let alice: User;
  let bob: User;
  let client: { clientId: string; secret?: string };
  let config: oidc.Configuration;
  /** The provider's: tests move it past max_age instead of sleeping. */
  const clock = new MovableClock();

  before(async () => {
    storage = await createStorage();
    provider = await startProvider({ ...storage.env, REGULATION_BAN_TIME: '5m' }, { clock });
    const users = provider.app.get(UsersService);
    const make = (name: string) =>
      users.create({
        username: `${name}-${randomBytes(3).toString('hex')}`,
        password: PASSWORD,
        claims: { name, email: `${name}@example.com`, email_verified: true },
        origin: 'admin',
      });
    alice = await make('alice');
    bob = await make('bob');
    client = await registerClient(provider.app, {
      redirect_uris: [CB],
      grant_types: ['authorization_code'],
      scope: 'openid profile email',
      // Consent out of the way: these tests are about sign-in.
      consent_mode: 'implicit',
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

  const authorizeUrl = (params: Record<string, string>) =>
    `${provider.url}/authorize?${new URLSearchParams(params).toString()}`;

  function request(extra: Record<string, string> = {}) {
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    return {
      state,
      nonce,
      url: oidc.buildAuthorizationUrl(config, {
        redirect_uri: CB,
        scope: 'openid email',
        state,
        nonce,
        ...extra,
      }).href,
    };
  }

  async function tokensFrom(
    landed: Visit,
    flow: { state: string; nonce?: string },
  ): Promise<Tokens> {
    assert.ok(landed.url.startsWith(CB), `not at the redirect URI: ${landed.url} ${landed.status}`);
    return oidc.authorizationCodeGrant(config, new URL(landed.url), {
      expectedState: flow.state,
      ...(flow.nonce !== undefined && { expectedNonce: flow.nonce }),
    });
  }

  async function login(browser: Browser, page: Visit, who: User = alice): Promise<Visit> {
    return browser.submit(page, '/login', { username: who.username, password: PASSWORD });
  }

  /** A browser signed in as `who`, with the tokens of that first sign-in. */
  async function signedIn(who: User = alice): Promise<{ browser: Browser; tokens: Tokens }> {
    const browser = new Browser(provider.url);
    const flow = request();
    const tokens = await tokensFrom(await login(browser, await browser.get(flow.url), who), flow);
    return { browser, tokens };
  }

  const errorOf = (landed: Visit) => {
    const url = new URL(landed.url);
    return {
      at: url.origin + url.pathname,
      error: url.searchParams.get('error'),
      state: url.searchParams.get('state'),
    };
  };

  test('prompt=login signs in again: a later auth_time, the same user', async () => {
    const { browser, tokens } = await signedIn();
    clock.advance(1_100);
    const flow = request({ prompt: 'login', max_age: '3600' });
    const page = await browser.get(flow.url);
    assert.match(page.html, /name="password"/, 'the login page, despite the session');
    const cookieName = provider.config.session.cookieName;
    const before = browser.cookies.get(cookieName)!;
    const again = await tokensFrom(await login(browser, page), flow);
    assert.equal(again.claims()!.sub, alice.id);
    assert.ok((again.claims()!.auth_time as number) > (tokens.claims()!.auth_time ?? 0));
    // Session fixation: the authentication gave the browser a new cookie, and the one it had
    // (as planted or stolen before) opens nothing; the sid relying parties hold stays.
    const after = browser.cookies.get(cookieName)!;
    assert.notEqual(after, before);
    assert.equal(again.claims()!.sid, tokens.claims()!.sid);
    const planted = new Browser(provider.url);
    planted.cookies.set(cookieName, before);
    const silent = request({ prompt: 'none' });
    assert.equal(errorOf(await planted.get(silent.url)).error, 'login_required');
  });

  test('max_age=1 after 2 s asks for a login; a large max_age does not, and auth_time is sent', async () => {
    const { browser } = await signedIn();
    const large = request({ max_age: '86400' });
    const silent = await tokensFrom(await browser.get(large.url), large);
    assert.equal(typeof silent.claims()!.auth_time, 'number');
    clock.advance(2_000);
    const flow = request({ max_age: '1' });
    const page = await browser.get(flow.url);
    assert.match(page.html, /name="password"/);
    const fresh = await tokensFrom(await login(browser, page), flow);
    assert.ok(Date.now() / 1000 - (fresh.claims()!.auth_time as number) < 5);
  });

  test('id_token_hint: the signed-in user passes silently; another user is login_required', async () => {
    const { browser, tokens } = await signedIn();
    const hint = tokens.id_token!;
    const same = request({ prompt: 'none', id_token_hint: hint });
    assert.equal((await tokensFrom(await browser.get(same.url), same)).claims()!.sub, alice.id);

    const { browser: bobs } = await signedIn(bob);
    const other = request({ prompt: 'none', id_token_hint: hint });
    const landed = errorOf(await bobs.get(other.url));
    assert.equal(landed.error, 'login_required');
    assert.equal(landed.state, other.state);

    const forged = request({ id_token_hint: `${hint.slice(0, -10)}AAAAAAAAAA` });
    assert.equal(errorOf(await browser.get(forged.url)).error, 'invalid_request');
  });

  test('an unknown parameter is ignored; a POST request works; no nonce is fine', async () => {
    const { browser } = await signedIn();
    const flow = request({ unknown_parameter: 'whatever', vendor_x: '1' });
    await tokensFrom(await browser.get(flow.url), flow);

    const state = oidc.randomState();
    const posted = await browser.post(`${provider.url}/authorize`, {
      client_id: client.clientId,
      redirect_uri: CB,
      response_type: 'code',
      scope: 'openid',
      state,
    });
    const tokens = await tokensFrom(posted, { state });
    assert.equal(tokens.claims()!.nonce, undefined, 'no nonce asked, none given');
  });

  test('a missing response_type and a long state come back to the client', async () => {
    const state = 's'.repeat(128);
    const landed = errorOf(
      await new Browser(provider.url).get(
        authorizeUrl({ client_id: client.clientId, redirect_uri: CB, scope: 'openid', state }),
      ),
    );
    assert.equal(landed.at, CB);
    assert.equal(landed.error, 'invalid_request');
    assert.equal(landed.state, state);
  });

  test('a public client without PKCE is refused; plain is refused; S256 works', async () => {
    const spa = await registerClient(provider.app, {
      redirect_uris: [CB],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'none',
      public: true,
      consent_mode: 'implicit',
    });
    const base = {
      client_id: spa.clientId,
      redirect_uri: CB,
      response_type: 'code',
      scope: 'openid',
      state: 'state-123456',
    };
    const browser = new Browser(provider.url);
    const without = errorOf(await browser.get(authorizeUrl(base)));
    assert.equal(without.error, 'invalid_request');
    const plain = errorOf(
      await browser.get(
        authorizeUrl({ ...base, code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' }),
      ),
    );
    assert.equal(plain.error, 'invalid_request');
    const verifier = oidc.randomPKCECodeVerifier();
    const page = await browser.get(
      authorizeUrl({
        ...base,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      }),
    );
    const landed = await login(browser, page);
    const code = new URL(landed.url).searchParams.get('code')!;
    const res = await postForm(`${provider.url}/token`, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: CB,
      client_id: spa.clientId,
      code_verifier: verifier,
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  });

  test('a code used twice: the first access token is then refused at UserInfo', async () => {
    const browser = new Browser(provider.url);
    const flow = request();
    const landed = await login(browser, await browser.get(flow.url));
    const code = new URL(landed.url).searchParams.get('code')!;
    const redeem = () =>
      postForm(
        `${provider.url}/token`,
        { grant_type: 'authorization_code', code, redirect_uri: CB },
        { authorization: basicAuth(client.clientId, client.secret!) },
      );
    const first = await redeem();
    assert.equal(first.status, 200);
    const userinfo = () =>
      fetch(`${provider.url}/userinfo`, {
        headers: { authorization: `Bearer ${first.body.access_token as string}` },
      });
    assert.equal((await userinfo()).status, 200);
    const second = await redeem();
    assert.equal(second.status, 400);
    assert.equal(second.body.error, 'invalid_grant');
    assert.equal((await userinfo()).status, 401);
  });

  test('three wrong passwords lock the account: refused even with the right one', async () => {
    const users = provider.app.get(UsersService);
    const carol = await users.create({
      username: `carol-${randomBytes(3).toString('hex')}`,
      password: PASSWORD,
      claims: {},
      origin: 'admin',
    });
    const browser = new Browser(provider.url);
    const page = await browser.get(request().url);
    for (let i = 0; i < 3; i++) {
      const wrong = await browser.submit(page, '/login', {
        username: carol.username,
        password: 'wrong',
      });
      assert.equal(wrong.status, 401);
    }
    const right = await browser.submit(page, '/login', {
      username: carol.username,
      password: PASSWORD,
    });
    assert.equal(right.status, 401, 'locked, though the password is right');
    assert.match(right.html, /role="alert"/);
  });

  test('ui_locales picks the page language and login_hint fills the user name', async () => {
    const page = await new Browser(provider.url).get(
      request({ ui_locales: 'fr-CA en', login_hint: 'someone@example.com' }).url,
    );
    assert.match(page.html, /<html lang="fr">/);
    assert.match(page.html, /Mot de passe/);
    assert.match(page.html, /value="someone@example.com"/);
  });

  test('a user with TOTP gives a code after the password: amr pwd otp mfa, acr two_factor', async () => {
    const users = provider.app.get(UsersService);
    const dave = await users.create({
      username: `dave-${randomBytes(3).toString('hex')}`,
      password: PASSWORD,
      claims: {},
      origin: 'admin',
    });
    const secret = generateTotpSecret();
    await users.setTotpSecret(dave.id, secret);
    const browser = new Browser(provider.url);
    const flow = request();
    const codePage = await login(browser, await browser.get(flow.url), dave);
    assert.match(codePage.html, /name="code"/, 'the second-factor page');
    const wrong = await browser.submit(codePage, '/totp', { code: '000000' });
    assert.equal(wrong.status, 401);
    const code = totpCode(secret, provider.config.totp, clock.now());
    const tokens = await tokensFrom(await browser.submit(codePage, '/totp', { code }), flow);
    assert.deepEqual(tokens.claims()!.amr, ['pwd', 'otp', 'mfa']);
    assert.equal(tokens.claims()!.acr, 'two_factor');
  });

  test('an essential acr of two_factor: a one-factor session must step up; without TOTP, access_denied', async () => {
    const { browser } = await signedIn();
    const flow = request({
      claims: JSON.stringify({ id_token: { acr: { essential: true, values: ['two_factor'] } } }),
    });
    const page = await browser.get(flow.url);
    assert.match(page.html, /name="password"/, 'a one-factor session is not enough');
    const landed = await login(browser, page);
    const error = errorOf(landed);
    assert.equal(error.error, 'access_denied', 'alice has no second factor to give');
    assert.equal(error.state, flow.state);

    const strict = await registerClient(provider.app, {
      redirect_uris: [CB],
      grant_types: ['authorization_code'],
      authorization_policy: 'two_factor',
      consent_mode: 'implicit',
    });
    const strictState = 'state-abcdefgh';
    const denied = errorOf(
      await login(
        browser,
        await browser.get(
          authorizeUrl({
            client_id: strict.clientId,
            redirect_uri: CB,
            response_type: 'code',
            scope: 'openid',
            state: strictState,
          }),
        ),
      ),
    );
    assert.equal(denied.error, 'access_denied');
  });
});
