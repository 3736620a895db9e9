import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import type { User } from '../src/users/user.entity.js';
import { UsersService } from '../src/users/users.service.js';
import { ADMIN_ENV, adminToken, api } from './support/admin.js';
import { Browser } from './support/browser.js';
import { registerClient } from './support/clients.js';
import { LogoutReceiver, type ReceivedLogout } from './support/logout-receiver.js';
import {
  createStorage,
  eventually,
  startProvider,
  target,
  type RunningProvider,
  type Storage,
} from './support/provider.js';
import { discover, oauthError, signInWith, startFlow } from './support/sign-in.js';

const CB = 'https://rp.example.com/cb';
const AFTER = 'https://rp.example.com/signed-out';
const PASSWORD = 'a passphrase for signing out';
const EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/**
 * A user signed in through the real pages to several relying parties, signed out by one of
 * them (RP-Initiated Logout) or by an operator (admin API): every client with a back-channel
 * URI receives a logout token for the session its ID token named, and `prompt=none` finds no
 * session afterwards.
 */
describe(`signing out everywhere on ${target}`, { timeout: 180_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;
  let receiver: LogoutReceiver;
  let receiverUrl: string;
  let adminBase: string;
  let admin: string;
  let user: User;

  before(async () => {
    storage = await createStorage();
    receiver = new LogoutReceiver();
    receiverUrl = `http://127.0.0.1:${await receiver.listen()}`;
    provider = await startProvider({
      ...storage.env,
      ...ADMIN_ENV,
      BACKCHANNEL_LOGOUT_RETRY_DELAY: '300ms',
    });
    adminBase = `${provider.url}/admin`;
    admin = await adminToken(provider);
    user = await provider.app.get(UsersService).create({
      username: `sofia-${randomBytes(3).toString('hex')}`,
      password: PASSWORD,
      claims: { email: 'sofia@example.com', email_verified: true },
      origin: 'admin',
    });
  });
  after(async () => {
    await provider?.close();
    await receiver?.close();
    await storage?.dispose();
  });

  const credentials = () => ({ username: user.username, password: PASSWORD });

  /** A relying party with its own back-channel path on the receiver. */
  async function relyingParty(path: string | undefined, extra: Record<string, unknown> = {}) {
    const registered = await registerClient(provider.app, {
      client_name: `RP ${path ?? 'without back-channel'}`,
      redirect_uris: [CB],
      post_logout_redirect_uris: [AFTER],
      grant_types: ['authorization_code'],
      scope: 'openid email',
      consent_mode: 'implicit',
      ...(path !== undefined && {
        backchannel_logout_uri: `${receiverUrl}${path}`,
        backchannel_logout_session_required: true,
      }),
      ...extra,
    });
    return {
      clientId: registered.clientId,
      config: await discover(provider.config.issuer, registered),
    };
  }

  /** Verifies a logout token with the published JWKS and checks it names this sign-in. */
  async function assertLogoutToken(
    received: ReceivedLogout[],
    expected: { clientId: string; idToken: string },
  ) {
    assert.equal(received.length, 1, 'exactly one delivery');
    const { payload, protectedHeader } = await jwtVerify(
      received[0].token!,
      createRemoteJWKSet(new URL(`${provider.url}/jwks`)),
      { issuer: provider.config.issuer, audience: expected.clientId, typ: 'logout+jwt' },
    );
    assert.equal(protectedHeader.typ, 'logout+jwt');
    const idClaims = decodeJwt(expected.idToken);
    assert.equal(typeof idClaims.sid, 'string', 'the ID token named the session');
    assert.equal(payload.sid, idClaims.sid, 'the session the client was told of');
    assert.equal(payload.sub, idClaims.sub);
    assert.deepEqual(payload.events, { [EVENT]: {} });
    assert.equal('nonce' in payload, false);
  }

  async function promptNone(browser: Browser, config: oidc.Configuration) {
    const flow = await startFlow(config, CB, { prompt: 'none' });
    return new URL((await browser.get(flow.url.href)).url);
  }

  test('RP-initiated logout sends a back-channel logout token to every client of the session', async () => {
    const first = await relyingParty('/rp-first');
    const second = await relyingParty('/rp-second', { id_token_signed_response_alg: 'ES256' });
    const quiet = await relyingParty(undefined);
    const browser = new Browser(provider.url);
    const fromFirst = await signInWith(browser, first.config, CB, credentials());
    const fromSecond = await signInWith(browser, second.config, CB, credentials());
    await signInWith(browser, quiet.config, CB, credentials());
    assert.equal(
      decodeJwt(fromFirst.id_token!).sid,
      decodeJwt(fromSecond.id_token!).sid,
      'one session, silently shared',
    );

    const state = oidc.randomState();
    const landed = await browser.get(
      oidc.buildEndSessionUrl(first.config, {
        id_token_hint: fromFirst.id_token!,
        post_logout_redirect_uri: AFTER,
        state,
      }).href,
    );
    assert.equal(landed.status, 303);
    assert.equal(new URL(landed.url).searchParams.get('state'), state);

    const [toFirst, toSecond] = await eventually(
      () => {
        const a = receiver.to('/rp-first');
        const b = receiver.to('/rp-second');
        return Promise.resolve(a.length > 0 && b.length > 0 ? [a, b] : undefined);
      },
      10_000,
      'a logout token for each client',
    );
    await assertLogoutToken(toFirst, { clientId: first.clientId, idToken: fromFirst.id_token! });
    await assertLogoutToken(toSecond, {
      clientId: second.clientId,
      idToken: fromSecond.id_token!,
    });
    assert.equal(
      (await promptNone(browser, second.config)).searchParams.get('error'),
      'login_required',
    );
  });

  test('ending a session through the admin API sends its back-channel logout; prompt=none is then login_required', async () => {
    const rp = await relyingParty('/admin-ended');
    const browser = new Browser(provider.url);
    const signedIn = await signInWith(browser, rp.config, CB, credentials());
    const silent = await promptNone(browser, rp.config);
    assert.ok(silent.searchParams.get('code'), 'signed in: prompt=none passes');
    const sid = decodeJwt(signedIn.id_token!).sid as string;

    const listed = await api(`${adminBase}/users/${user.id}/sessions`, admin);
    assert.equal(listed.status, 200, listed.text);
    assert.ok((listed.body.sessions as { sid: string }[]).some((s) => s.sid === sid));
    const ended = await api(`${adminBase}/users/${user.id}/sessions/${sid}`, admin, {
      method: 'DELETE',
    });
    assert.equal(ended.status, 204, ended.text);

    const delivered = await eventually(
      () => {
        const got = receiver.to('/admin-ended');
        return Promise.resolve(got.length > 0 ? got : undefined);
      },
      10_000,
      'the logout token',
    );
    await assertLogoutToken(delivered, { clientId: rp.clientId, idToken: signedIn.id_token! });
    const after = await promptNone(browser, rp.config);
    assert.equal(after.searchParams.get('error'), 'login_required');
    assert.equal(after.searchParams.get('code'), null);
  });

  test('ending all of a user’s sessions through the admin API signs every browser out', async () => {
    const rp = await relyingParty('/admin-all');
    const browsers = [new Browser(provider.url), new Browser(provider.url)];
    for (const browser of browsers) await signInWith(browser, rp.config, CB, credentials());
    const ended = await api(`${adminBase}/users/${user.id}/sessions`, admin, { method: 'DELETE' });
    assert.equal(ended.status, 204, ended.text);
    for (const browser of browsers)
      assert.equal(
        (await promptNone(browser, rp.config)).searchParams.get('error'),
        'login_required',
      );
    await eventually(
      () => Promise.resolve(receiver.to('/admin-all').length === 2 || undefined),
      10_000,
      'one logout token per session',
    );
    const sids = receiver.to('/admin-all').map((r) => decodeJwt(r.token!).sid);
    assert.equal(new Set(sids).size, 2, 'one per session');
  });

  test('a sign-out ends the refresh tokens issued in the session without offline_access; offline ones outlive it', async () => {
    const oauthOnly = await relyingParty(undefined, {
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'email',
    });
    const offline = await relyingParty(undefined, {
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'openid email offline_access',
    });
    const browser = new Browser(provider.url);
    const online = await signInWith(browser, oauthOnly.config, CB, credentials(), {
      scope: 'email',
    });
    const kept = await signInWith(browser, offline.config, CB, credentials(), {
      scope: 'openid email offline_access',
    });
    assert.ok(online.refresh_token && kept.refresh_token, 'both got refresh tokens');
    const rotated = await oidc.refreshTokenGrant(oauthOnly.config, online.refresh_token);
    const sid = decodeJwt(kept.id_token!).sid as string;

    const ended = await api(`${adminBase}/users/${user.id}/sessions/${sid}`, admin, {
      method: 'DELETE',
    });
    assert.equal(ended.status, 204, ended.text);

    const refused = await oauthError(
      oidc.refreshTokenGrant(oauthOnly.config, rotated.refresh_token!),
      'an online refresh token after its session ended',
    );
    assert.equal(refused.error, 'invalid_grant');
    for (const accessToken of [online.access_token, rotated.access_token]) {
      const introspected = await oidc.tokenIntrospection(oauthOnly.config, accessToken);
      assert.equal(introspected.active, false, 'the access tokens issued beside them too');
    }
    const offlineStill = await oidc.refreshTokenGrant(offline.config, kept.refresh_token);
    assert.ok(offlineStill.refresh_token, 'offline access outlives the session');
  });

  test('disabling or deleting a user signs them out everywhere: back-channel, refresh tokens and every access token', async () => {
    for (const action of ['disable', 'delete'] as const) {
      const person = await provider.app.get(UsersService).create({
        username: `${action}-${randomBytes(3).toString('hex')}`,
        password: PASSWORD,
        claims: {},
        origin: 'admin',
      });
      const rp = await relyingParty(`/user-${action}`, {
        grant_types: ['authorization_code', 'refresh_token'],
        scope: 'openid email offline_access',
      });
      const online = await relyingParty(undefined); // no refresh tokens at all
      const browser = new Browser(provider.url);
      const personal = { username: person.username, password: PASSWORD };
      const tokens = await signInWith(browser, rp.config, CB, personal, {
        scope: 'openid email offline_access',
      });
      assert.ok(tokens.refresh_token, 'an offline refresh token');
      const plain = await signInWith(browser, online.config, CB, personal);
      assert.equal(plain.refresh_token, undefined);
      const active = await oidc.tokenIntrospection(online.config, plain.access_token);
      assert.equal(active.active, true);

      const res =
        action === 'disable'
          ? await api(`${adminBase}/users/${person.id}/disable`, admin, { method: 'POST' })
          : await api(`${adminBase}/users/${person.id}`, admin, { method: 'DELETE' });
      assert.ok(res.status === 200 || res.status === 204, `${action}: ${res.text}`);

      const delivered = await eventually(
        () => {
          const got = receiver.to(`/user-${action}`);
          return Promise.resolve(got.length > 0 ? got : undefined);
        },
        10_000,
        `the logout token after ${action}`,
      );
      await assertLogoutToken(delivered, { clientId: rp.clientId, idToken: tokens.id_token! });
      const refused = await oauthError(
        oidc.refreshTokenGrant(rp.config, tokens.refresh_token),
        `refreshing after ${action}`,
      );
      assert.equal(refused.error, 'invalid_grant');
      const introspected = await oidc.tokenIntrospection(rp.config, tokens.access_token);
      assert.equal(introspected.active, false, `${action}: the access token is revoked`);
      const alone = await oidc.tokenIntrospection(online.config, plain.access_token);
      assert.equal(alone.active, false, `${action}: so is one issued without a refresh token`);
    }
  });

  test('another user signing in over a session ends it like any sign-out: back-channel logout for its clients', async () => {
    const rp = await relyingParty('/replaced');
    const browser = new Browser(provider.url);
    const first = await signInWith(browser, rp.config, CB, credentials());
    const other = await provider.app.get(UsersService).create({
      username: `other-${randomBytes(3).toString('hex')}`,
      password: PASSWORD,
      claims: {},
      origin: 'admin',
    });
    const flow = await startFlow(rp.config, CB, { prompt: 'login' });
    const login = await browser.get(flow.url.href);
    const landed = await browser.submit(login, '/login', {
      username: other.username,
      password: PASSWORD,
    });
    assert.ok(landed.url.startsWith(CB), 'the other user signed in');
    const delivered = await eventually(
      () => {
        const got = receiver.to('/replaced');
        return Promise.resolve(got.length > 0 ? got : undefined);
      },
      10_000,
      "the logout token for the first user's session",
    );
    await assertLogoutToken(delivered, { clientId: rp.clientId, idToken: first.id_token! });
  });
});
