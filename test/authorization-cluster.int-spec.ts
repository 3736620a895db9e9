import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import type { User } from '../src/users/user.entity.js';
import { UsersService } from '../src/users/users.service.js';
import { Browser, type Visit } from './support/browser.js';
import { basicAuth, postForm, registerClient } from './support/clients.js';
import {
  createStorage,
  freePort,
  startProvider,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

const CB = 'https://rp.example.com/cb';
const PASSWORD = 'correct horse battery staple';

/**
 * The code flow on two instances behind one name (one Postgres, one Redis): a session made on
 * one instance is good on the other, and a code is redeemed at most once across both.
 */
describe('authorization code flow across two instances', { timeout: 60_000 }, () => {
  let storage: Storage;
  let a: RunningProvider;
  let b: RunningProvider;
  let user: User;
  let client: { clientId: string; secret?: string };

  before(async () => {
    storage = await createStorage('services');
    // Both share the issuer, as behind a load balancer (see token-cluster.int-spec.ts).
    const portA = await freePort();
    const env = { ...storage.env, ISSUER: `http://127.0.0.1:${portA}` };
    [a, b] = await Promise.all([
      startProvider({ ...env, PORT: String(portA) }),
      startProvider(env),
    ]);
    user = await a.app.get(UsersService).create({
      username: `kim-${randomBytes(3).toString('hex')}`,
      password: PASSWORD,
      claims: { name: 'Kim Example', email: 'kim@example.com', email_verified: true },
      origin: 'admin',
    });
    client = await registerClient(a.app, {
      redirect_uris: [CB],
      grant_types: ['authorization_code'],
      scope: 'openid email',
    });
  });
  after(async () => {
    await Promise.allSettled([a?.close(), b?.close()]);
    await storage?.dispose();
  });

  async function request(on: RunningProvider, extra: Record<string, string> = {}) {
    const verifier = oidc.randomPKCECodeVerifier();
    const params = new URLSearchParams({
      response_type: 'code',
      client_id: client.clientId,
      redirect_uri: CB,
      scope: 'openid email',
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      ...extra,
    });
    return { url: `${on.url}/authorize?${params.toString()}`, verifier, params };
  }

  function codeFrom(landed: Visit, state: string): string {
    assert.ok(
      landed.url.startsWith(`${CB}?`),
      `expected the redirect URI, got ${landed.url} (${landed.status}) ${landed.html.slice(0, 300)}`,
    );
    const params = new URL(landed.url).searchParams;
    assert.equal(params.get('error'), null, params.get('error_description') ?? '');
    assert.equal(params.get('state'), state);
    return params.get('code')!;
  }

  const redeem = (on: RunningProvider, code: string, verifier: string) =>
    postForm(
      `${on.url}/token`,
      { grant_type: 'authorization_code', code, redirect_uri: CB, code_verifier: verifier },
      { authorization: basicAuth(client.clientId, client.secret!) },
    );

  /** Signs in on A through the pages; returns A's browser, whose cookie jar B's browser shares. */
  async function signInOnA(): Promise<Browser> {
    const browser = new Browser(a.url);
    const flow = await request(a);
    const loginPage = await browser.get(flow.url);
    const afterLogin = await browser.submit(loginPage, '/login', {
      username: user.username,
      password: PASSWORD,
    });
    const landed = afterLogin.url.startsWith(CB)
      ? afterLogin
      : await browser.submit(afterLogin, '/consent', { decision: 'allow' });
    const code = codeFrom(landed, flow.params.get('state')!);
    assert.equal((await redeem(a, code, flow.verifier)).status, 200);
    return browser;
  }

  /**
   * The same browser talking to B. Cookies are scoped by host and path, never by port
   * (RFC 6265 §8.5), so cookies set by 127.0.0.1:A are sent to 127.0.0.1:B as well.
   */
  function sameBrowserOn(on: RunningProvider, browser: Browser): Browser {
    const other = new Browser(on.url);
    for (const [name, value] of browser.cookies) other.cookies.set(name, value);
    return other;
  }

  test('a login on A, then prompt=none on B returns a code that B redeems', async () => {
    const browserA = await signInOnA();
    const browserB = sameBrowserOn(b, browserA);
    const flow = await request(b, { prompt: 'none' });
    const code = codeFrom(await browserB.get(flow.url), flow.params.get('state')!);
    const res = await redeem(b, code, flow.verifier);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const claims = JSON.parse(
      Buffer.from((res.body.id_token as string).split('.')[1], 'base64url').toString(),
    ) as Record<string, unknown>;
    assert.equal(claims.sub, user.id);
    assert.equal(claims.iss, a.config.issuer);
    assert.equal(claims.nonce, flow.params.get('nonce'));

    // Without the session cookie B asks for a login: the cookie, not luck, carried it.
    const anonymous = await request(b, { prompt: 'none' });
    const refused = await new Browser(b.url).get(anonymous.url);
    assert.equal(new URL(refused.url).searchParams.get('error'), 'login_required');
  });

  test('an interaction begun on A is finished on B: login and consent posted to B', async () => {
    const browserA = new Browser(a.url);
    // prompt=consent: the consent page comes whatever an earlier test agreed to.
    const flow = await request(a, { prompt: 'consent' });
    const loginPage = await browserA.get(flow.url);
    assert.match(loginPage.html, /name="password"/);
    // The load balancer sends the form posts to B; the browser is the same (one cookie jar).
    const browserB = sameBrowserOn(b, browserA);
    const [form] = Browser.forms(loginPage.html);
    const afterLogin = await browserB.post(new URL(form.action, b.url).href, {
      ...form.fields,
      username: user.username,
      password: PASSWORD,
    });
    assert.equal(afterLogin.status, 200, afterLogin.html.slice(0, 300));
    assert.ok(afterLogin.url.startsWith(b.url), afterLogin.url);
    const landed = await browserB.submit(afterLogin, '/consent', { decision: 'allow' });
    const code = codeFrom(landed, flow.params.get('state')!);
    const res = await redeem(a, code, flow.verifier);
    assert.equal(res.status, 200, JSON.stringify(res.body));
  });

  test('a code issued on A is redeemed once: on A, then refused on B', async () => {
    const browser = await signInOnA();
    const flow = await request(a, { prompt: 'none' });
    const code = codeFrom(await browser.get(flow.url), flow.params.get('state')!);
    const first = await redeem(a, code, flow.verifier);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const second = await redeem(b, code, flow.verifier);
    assert.equal(second.status, 400);
    assert.equal(second.body.error, 'invalid_grant');
    // RFC 6749 §4.1.2: the replay takes back what the code gave, on every instance.
    const userinfo = await fetch(`${b.url}/userinfo`, {
      headers: { authorization: `Bearer ${first.body.access_token as string}` },
    });
    assert.equal(userinfo.status, 401);
  });

  test('a code sent to A and B at once: exactly one redemption succeeds', async () => {
    const browser = await signInOnA();
    for (let i = 0; i < 5; i++) {
      const flow = await request(a, { prompt: 'none' });
      const code = codeFrom(await browser.get(flow.url), flow.params.get('state')!);
      const results = await Promise.all([
        redeem(a, code, flow.verifier),
        redeem(b, code, flow.verifier),
      ]);
      const statuses = results.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, 400], JSON.stringify(results.map((r) => r.body)));
    }
  });

  test('a request pushed to A is used once, on B; the same request_uri is then refused on A', async () => {
    const browser = await signInOnA();
    const { params, verifier } = await request(a, { prompt: 'none' });
    const pushed = await postForm(`${a.url}/par`, Object.fromEntries(params), {
      authorization: basicAuth(client.clientId, client.secret!),
    });
    assert.equal(pushed.status, 201, JSON.stringify(pushed.body));
    const query = new URLSearchParams({
      client_id: client.clientId,
      request_uri: pushed.body.request_uri as string,
    }).toString();
    const code = codeFrom(
      await browser.at(b.url).get(`${b.url}/authorize?${query}`),
      params.get('state')!,
    );
    assert.equal((await redeem(a, code, verifier)).status, 200);
    const again = await browser.get(`${a.url}/authorize?${query}`);
    assert.equal(again.status, 400);
    assert.match(again.html, /invalid_request_uri/);
  });
});
