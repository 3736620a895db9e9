import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { UsersService } from '../src/users/users.service.js';
import { Browser, type Visit } from './support/browser.js';
import { basicAuth, postForm, registerClient } from './support/clients.js';
import { MovableClock } from './support/clock.js';
import { dpopKey, dpopProof } from './support/dpop.js';
import {
  createStorage,
  startProvider,
  target,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const PASSWORD = 'typed on the phone, used on the TV';

type Registered = { clientId: string; secret?: string };

/**
 * RFC 8628: a device gets a device code and a user code, its user signs in and consents on
 * the verification page (the same interaction pages as any sign-in), and the device's polls
 * at /token say pending, slow down, denied or expired, until they get the tokens once.
 */
describe(`device authorization grant on ${target}`, { timeout: 120_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;
  const clock = new MovableClock();
  let username: string;
  let tv: Registered;
  let cli: Registered;
  let webOnly: Registered;

  const deviceAuthorization = (who: Registered, params: Record<string, string> = {}) =>
    postForm(
      `${provider.url}/device_authorization`,
      who.secret === undefined ? { client_id: who.clientId, ...params } : params,
      who.secret === undefined ? {} : { authorization: basicAuth(who.clientId, who.secret) },
    );
  const poll = (who: Registered, deviceCode: string) =>
    postForm(
      `${provider.url}/token`,
      {
        grant_type: DEVICE_GRANT,
        device_code: deviceCode,
        ...(who.secret === undefined && { client_id: who.clientId }),
      },
      who.secret === undefined ? {} : { authorization: basicAuth(who.clientId, who.secret) },
    );
  /** The user's side: the verification page, then the sign-in pages, then the answer. */
  const approve = async (userCode: string, decision = 'allow'): Promise<Visit> => {
    const browser = new Browser(provider.url);
    const form = await browser.get(`${provider.url}/device`);
    let page = await browser.submit(form, '/device', { user_code: userCode });
    if (Browser.forms(page.html).some((f) => f.action.endsWith('/login')))
      page = await browser.submit(page, '/login', { username, password: PASSWORD });
    return browser.submit(page, '/consent', { decision });
  };
  const started = async (who = tv, params: Record<string, string> = { scope: 'openid email' }) => {
    const answer = await deviceAuthorization(who, params);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body as { device_code: string; user_code: string; interval: number };
  };

  before(async () => {
    storage = await createStorage();
    provider = await startProvider(
      { ...storage.env, DEVICE_CODE_POLLING_INTERVAL: '1s' },
      { clock },
    );
    username = `dev-${randomBytes(3).toString('hex')}`;
    await provider.app.get(UsersService).create({
      username,
      password: PASSWORD,
      claims: { email: 'dev@example.com' },
      origin: 'admin',
    });
    tv = await registerClient(provider.app, {
      public: true,
      token_endpoint_auth_method: 'none',
      grant_types: [DEVICE_GRANT, 'refresh_token'],
      scope: 'openid email offline_access',
      client_name: 'Living-room TV',
    });
    cli = await registerClient(provider.app, {
      grant_types: [DEVICE_GRANT],
      scope: 'openid email',
    });
    webOnly = await registerClient(provider.app, {
      redirect_uris: ['https://rp.example.com/cb'],
      grant_types: ['authorization_code'],
    });
  });
  after(async () => {
    await provider?.close();
    await storage?.dispose();
  });

  test('openid-client starts, the user approves on the pages, the poll gets the tokens once', async () => {
    const config = await oidc.discovery(
      new URL(provider.config.issuer),
      tv.clientId,
      undefined,
      oidc.None(),
      { execute: [oidc.allowInsecureRequests] },
    );
    assert.equal(
      config.serverMetadata().device_authorization_endpoint,
      `${provider.url}/device_authorization`,
    );
    const response = await oidc.initiateDeviceAuthorization(config, {
      scope: 'openid email offline_access',
    });
    assert.match(response.user_code, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    assert.equal(response.verification_uri, `${provider.url}/device`);
    assert.equal(
      response.verification_uri_complete,
      `${provider.url}/device?user_code=${encodeURIComponent(response.user_code)}`,
    );
    assert.equal(response.interval, 1);
    assert.equal(response.expires_in, 600);

    // The link with the code filled in; the user types it in lower case with a space.
    const browser = new Browser(provider.url);
    const form = await browser.get(response.verification_uri_complete);
    assert.equal(form.status, 200);
    assert.ok(form.html.includes(`value="${response.user_code}"`));
    const typed = response.user_code.toLowerCase().replace('-', ' ');
    const login = await browser.submit(form, '/device', { user_code: typed });
    const consent = await browser.submit(login, '/login', { username, password: PASSWORD });
    assert.match(consent.html, /Living-room TV/);
    const done = await browser.submit(consent, '/consent', { decision: 'allow' });
    assert.equal(done.status, 200);
    assert.match(done.html, /Device connected/);

    const tokens = await oidc.pollDeviceAuthorizationGrant(config, response);
    assert.equal(tokens.claims()?.email, 'dev@example.com');
    assert.ok(tokens.refresh_token, 'offline_access with the refresh_token grant');
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
    assert.equal(userinfo.email, 'dev@example.com');

    // Once: the device code is spent, and the user code is no longer waiting.
    const again = await poll(tv, response.device_code);
    assert.equal(again.status, 400);
    assert.equal(again.body.error, 'invalid_grant');
    const reused = await approve(response.user_code).catch((e: unknown) => e);
    assert.ok(reused instanceof Error, 'the code form refuses a used code');
  });

  test('a poll with a DPoP proof gets tokens bound to the device’s key (RFC 9449)', async () => {
    const { device_code, user_code } = await started(tv, { scope: 'openid offline_access' });
    await approve(user_code);
    const key = await dpopKey();
    const answer = await postForm(
      `${provider.url}/token`,
      { grant_type: DEVICE_GRANT, device_code, client_id: tv.clientId },
      { dpop: await dpopProof(key, { htm: 'POST', htu: `${provider.url}/token` }) },
    );
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.token_type, 'DPoP');
    const jkt = await calculateJwkThumbprint(key.jwk);
    assert.equal((decodeJwt(answer.body.access_token as string).cnf as { jkt: string }).jkt, jkt);
    // A public client's refresh token is bound too: without the key it is refused.
    const stolen = await postForm(`${provider.url}/token`, {
      grant_type: 'refresh_token',
      refresh_token: answer.body.refresh_token as string,
      client_id: tv.clientId,
    });
    assert.equal(stolen.status, 400);
    assert.equal(stolen.body.error, 'invalid_grant');
  });

  test('polls say authorization_pending, then slow_down when too fast', async () => {
    const { device_code } = await started(cli);
    const first = await poll(cli, device_code);
    assert.equal(first.status, 400);
    assert.deepEqual(first.body, {
      error: 'authorization_pending',
      error_description: 'The user has not answered yet',
    });
    assert.equal(first.headers.get('cache-control'), 'no-store');
    const fast = await poll(cli, device_code);
    assert.equal(fast.status, 400);
    assert.equal(fast.body.error, 'slow_down');
  });

  test('a user who denies: the device is told access_denied', async () => {
    const { device_code, user_code } = await started(cli);
    const page = await approve(user_code, 'deny');
    assert.equal(page.status, 403);
    assert.match(page.html, /access_denied/);
    const answer = await poll(cli, device_code);
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error, 'access_denied');
  });

  test('an expired device code is expired_token; unknown or another client’s is invalid_grant', async () => {
    const mine = await started(cli);
    const theirs = await started(tv);
    const cases: [string, Registered, string, string][] = [
      ['unknown', cli, randomBytes(32).toString('base64url'), 'invalid_grant'],
      ['malformed', cli, 'not a device code', 'invalid_grant'],
      ['another client’s', cli, theirs.device_code, 'invalid_grant'],
    ];
    for (const [what, who, code, error] of cases) {
      const answer = await poll(who, code);
      assert.equal(answer.status, 400, what);
      assert.equal(answer.body.error, error, what);
    }
    const missing = await postForm(
      `${provider.url}/token`,
      { grant_type: DEVICE_GRANT },
      { authorization: basicAuth(cli.clientId, cli.secret!) },
    );
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.body, {
      error: 'invalid_request',
      error_description: 'device_code is required',
    });
    clock.advance(10 * 60_000 + 1_000);
    const expired = await poll(cli, mine.device_code);
    assert.equal(expired.status, 400);
    assert.equal(expired.body.error, 'expired_token');
    // Its user code is gone from the verification page too.
    const late = await approve(mine.user_code).catch((e: unknown) => e);
    assert.ok(late instanceof Error);
  });

  test('/device_authorization refuses what the client may not ask', async () => {
    const cases: [string, Registered, Record<string, string>, number, string][] = [
      ['a client without the grant', webOnly, {}, 400, 'unauthorized_client'],
      ['a scope not registered', cli, { scope: 'openid admin' }, 400, 'invalid_scope'],
      [
        'a resource not in its audience',
        cli,
        { resource: 'https://other.example.com' },
        400,
        'invalid_target',
      ],
    ];
    for (const [what, who, params, status, error] of cases) {
      const answer = await deviceAuthorization(who, params);
      assert.equal(answer.status, status, what);
      assert.equal(answer.body.error, error, what);
    }
    const unauthenticated = await postForm(`${provider.url}/device_authorization`, {
      client_id: cli.clientId,
    });
    assert.equal(unauthenticated.status, 401);
    assert.equal(unauthenticated.body.error, 'invalid_client');
  });

  test('the code form: a wrong code is said so, a form without its cookie is refused, guessing is limited', async () => {
    const browser = new Browser(provider.url);
    const form = await browser.get(`${provider.url}/device`);
    const wrong = await browser.submit(form, '/device', { user_code: 'BBBB-BBBB' });
    assert.equal(wrong.status, 400);
    assert.match(wrong.html, /Code not recognised/);
    const garbage = await browser.submit(form, '/device', { user_code: '<script>x</script>' });
    assert.equal(garbage.status, 400);
    assert.ok(!garbage.html.includes('<script>x'), 'escaped');
    // Posted from elsewhere: no form cookie, no code checked.
    const { user_code } = await started(cli);
    const forged = await new Browser(provider.url).post(`${provider.url}/device`, {
      user_code,
      csrf: 'A'.repeat(43),
    });
    assert.equal(forged.status, 400);
    assert.ok(!forged.url.includes('/interaction/'));
    // Ten wrong codes from one address, then even the right one waits.
    const guesser = new Browser(provider.url);
    let page = await guesser.get(`${provider.url}/device`);
    for (let i = 0; i < 10; i++)
      page = await guesser.submit(page, '/device', { user_code: 'CCCC-CCCC' });
    const limited = await guesser.submit(page, '/device', { user_code });
    assert.equal(limited.status, 429);
    assert.match(limited.html, /Too many codes/);
  });
});
