import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import type { User } from '../src/users/user.entity.js';
import { UsersService } from '../src/users/users.service.js';
import { Browser } from './support/browser.js';
import { registerClient } from './support/clients.js';
import { MovableClock } from './support/clock.js';
import {
  createStorage,
  startProvider,
  target,
  type RunningProvider,
  type Storage,
} from './support/provider.js';
import { discover, finishFlow, oauthError, signInWith, startFlow } from './support/sign-in.js';

const CB = 'https://rp.example.com/cb';
const PASSWORD = 'offline but not forgotten';

/**
 * When a refresh token is issued through the real sign-in pages (Core §11): with offline_access
 * the user agreed to, dropped silently otherwise; to public clients too; in plain OAuth by the
 * client's grant types.
 */
describe(`offline access through the sign-in pages on ${target}`, { timeout: 180_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;
  let user: User;
  /** The provider's: a test moves it to a later second instead of sleeping. */
  const clock = new MovableClock();

  before(async () => {
    storage = await createStorage();
    provider = await startProvider(storage.env, { clock });
    user = await provider.app.get(UsersService).create({
      username: `otto-${randomBytes(3).toString('hex')}`,
      password: PASSWORD,
      claims: { email: 'otto@example.com', email_verified: true },
      origin: 'admin',
    });
  });
  after(async () => {
    await provider?.close();
    await storage?.dispose();
  });

  const credentials = () => ({ username: user.username, password: PASSWORD });

  async function relyingParty(extra: Record<string, unknown> = {}) {
    const registered = await registerClient(provider.app, {
      redirect_uris: [CB],
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'openid email offline_access',
      consent_mode: 'pre-configured',
      pre_configured_consent_duration: '1h',
      ...extra,
    });
    return discover(provider.config.issuer, registered);
  }

  const scopesOf = (tokens: oidc.TokenEndpointResponse) => (tokens.scope ?? '').split(' ').sort();

  test('offline_access the user agreed to on the consent page gives a refresh token', async () => {
    const config = await relyingParty();
    assert.ok(config.serverMetadata().scopes_supported?.includes('offline_access'), 'discovery');
    assert.ok(config.serverMetadata().grant_types_supported?.includes('refresh_token'));
    const browser = new Browser(provider.url);
    const flow = await startFlow(config, CB, { scope: 'openid email offline_access' });
    const login = await browser.get(flow.url.href);
    const consent = await browser.submit(login, '/login', credentials());
    assert.match(consent.html, /Keep access while you are away/, 'the consent page says so');
    const landed = await browser.submit(consent, '/consent', { decision: 'allow' });
    const tokens = await finishFlow(config, landed, flow);
    assert.deepEqual(scopesOf(tokens), ['email', 'offline_access', 'openid']);
    assert.match(tokens.refresh_token ?? '', /^[A-Za-z0-9_-]{43}$/);
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    assert.ok(refreshed.refresh_token && refreshed.refresh_token !== tokens.refresh_token);
  });

  test('auth_time in the ID token of a code asked for without max_age, and the same after a refresh', async () => {
    // A single-page app's library (oidc-client-ts) refuses a refreshed ID token whose
    // auth_time differs from the first one's, a missing one included (Core §12.2).
    const config = await relyingParty({ token_endpoint_auth_method: 'none' });
    const signedInAt = Math.floor(Date.now() / 1000);
    const tokens = await signInWith(new Browser(provider.url), config, CB, credentials(), {
      scope: 'openid email offline_access',
    });
    const first = tokens.claims()!;
    assert.equal(typeof first.auth_time, 'number', 'auth_time without max_age');
    assert.ok(Math.abs(first.auth_time! - signedInAt) < 60, 'the time of this sign-in');
    clock.advance(1_100);
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    const second = refreshed.claims()!;
    assert.equal(second.auth_time, first.auth_time, 'the same sign-in');
    assert.ok(second.iat > first.iat, 'a new ID token');
  });

  test('prompt=none with offline_access nobody agreed to: dropped silently, never an error', async () => {
    const config = await relyingParty();
    const browser = new Browser(provider.url);
    // Consent remembered for openid and email only.
    const first = await signInWith(browser, config, CB, credentials(), { scope: 'openid email' });
    assert.equal(first.refresh_token, undefined);
    const flow = await startFlow(config, CB, {
      scope: 'openid email offline_access',
      prompt: 'none',
    });
    const landed = await browser.get(flow.url.href);
    const tokens = await finishFlow(config, landed, flow);
    assert.deepEqual(scopesOf(tokens), ['email', 'openid']);
    assert.equal(tokens.refresh_token, undefined);
  });

  test('a client without the refresh_token grant asking offline_access: no refresh token, no error', async () => {
    const config = await relyingParty({ grant_types: ['authorization_code'] });
    const tokens = await signInWith(new Browser(provider.url), config, CB, credentials(), {
      scope: 'openid email offline_access',
    });
    assert.deepEqual(scopesOf(tokens), ['email', 'openid']);
    assert.equal(tokens.refresh_token, undefined);
  });

  test('a client with the refresh_token grant may ask offline_access though its scope does not list it', async () => {
    const config = await relyingParty({ scope: 'openid email' });
    const tokens = await signInWith(new Browser(provider.url), config, CB, credentials(), {
      scope: 'openid email offline_access',
      prompt: 'consent',
    });
    assert.deepEqual(scopesOf(tokens), ['email', 'offline_access', 'openid']);
    assert.ok(tokens.refresh_token, 'a refresh token');
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token);
    assert.ok(refreshed.refresh_token);
  });

  test('a client with neither the grant nor the scope asking offline_access: dropped silently, never invalid_scope', async () => {
    const config = await relyingParty({
      grant_types: ['authorization_code'],
      scope: 'openid email',
    });
    const tokens = await signInWith(new Browser(provider.url), config, CB, credentials(), {
      scope: 'openid email offline_access',
    });
    assert.deepEqual(scopesOf(tokens), ['email', 'openid']);
    assert.equal(tokens.refresh_token, undefined);
  });

  test('a public client gets a refresh token too, rotated on every use', async () => {
    const config = await relyingParty({ token_endpoint_auth_method: 'none' });
    assert.equal(config.clientMetadata().client_secret, undefined, 'a public client');
    const tokens = await signInWith(new Browser(provider.url), config, CB, credentials(), {
      scope: 'openid email offline_access',
    });
    const first = tokens.refresh_token!;
    assert.ok(first, 'a refresh token');
    const second = await oidc.refreshTokenGrant(config, first);
    assert.ok(second.refresh_token && second.refresh_token !== first, 'rotated');
    const reused = await oauthError(
      oidc.refreshTokenGrant(config, first),
      'reusing a rotated token',
    );
    assert.equal(reused.error, 'invalid_grant');
  });

  test('plain OAuth (no openid): a refresh token by the client’s grant types alone', async () => {
    const config = await relyingParty({ scope: 'email' });
    const tokens = await signInWith(new Browser(provider.url), config, CB, credentials(), {
      scope: 'email',
    });
    assert.equal(tokens.id_token, undefined, 'no ID token without openid');
    assert.deepEqual(scopesOf(tokens), ['email']);
    assert.ok(tokens.refresh_token, 'a refresh token');
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token);
    assert.deepEqual(scopesOf(refreshed), ['email']);
    assert.ok(refreshed.refresh_token);
  });

  test('explicit consent (and auto without a duration) asks on every sign-in, and an allow goes through', async () => {
    for (const mode of [
      { consent_mode: 'explicit' },
      { consent_mode: 'auto', pre_configured_consent_duration: undefined },
    ]) {
      const config = await relyingParty(mode);
      const browser = new Browser(provider.url);
      for (let round = 1; round <= 2; round++) {
        const flow = await startFlow(config, CB, { scope: 'openid email' });
        let page = await browser.get(flow.url.href);
        if (round === 1) page = await browser.submit(page, '/login', credentials());
        assert.ok(
          Browser.forms(page.html).some((f) => f.action.endsWith('/consent')),
          `${mode.consent_mode}, round ${round}: the consent page`,
        );
        const landed = await browser.submit(page, '/consent', { decision: 'allow' });
        const tokens = await finishFlow(config, landed, flow);
        assert.ok(tokens.access_token, `${mode.consent_mode}, round ${round}: tokens`);
      }
    }
  });
});
