import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import { UsersService } from '../src/users/users.service.js';
import { Browser } from './support/browser.js';
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
import { discover, finishFlow } from './support/sign-in.js';

const CB = 'https://rp.example.com/cb';
const PASSWORD = 'pushed, then signed in';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

/**
 * RFC 9126: a client pushes its request to /par (authenticated, checked, JSON errors), and the
 * browser brings only client_id and the request_uri to /authorize, once, before it expires.
 */
describe(`pushed authorization requests on ${target}`, { timeout: 120_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;
  const clock = new MovableClock();
  let username: string;
  let client: { clientId: string; secret?: string };
  let other: { clientId: string; secret?: string };
  let pushOnly: { clientId: string; secret?: string };

  const authorizeUrl = (clientId: string, requestUri: string) =>
    `${provider.url}/authorize?${new URLSearchParams({ client_id: clientId, request_uri: requestUri }).toString()}`;
  const par = (
    who: { clientId: string; secret?: string },
    params: Record<string, string>,
    headers: Record<string, string> = {},
  ) =>
    postForm(`${provider.url}/par`, params, {
      authorization: basicAuth(who.clientId, who.secret!),
      ...headers,
    });
  const pushed = async (who = client, extra: Record<string, string> = {}) => {
    const answer = await par(who, {
      response_type: 'code',
      redirect_uri: CB,
      scope: 'openid email',
      state: 'state-of-the-art',
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
      ...extra,
    });
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    return answer.body.request_uri as string;
  };

  before(async () => {
    storage = await createStorage();
    provider = await startProvider(storage.env, { clock });
    username = `pia-${randomBytes(3).toString('hex')}`;
    await provider.app.get(UsersService).create({
      username,
      password: PASSWORD,
      claims: { email: 'pia@example.com' },
      origin: 'admin',
    });
    const web = {
      redirect_uris: [CB],
      grant_types: ['authorization_code'],
      scope: 'openid email',
      consent_mode: 'implicit',
    };
    client = await registerClient(provider.app, web);
    other = await registerClient(provider.app, web);
    pushOnly = await registerClient(provider.app, {
      ...web,
      require_pushed_authorization_requests: true,
    });
  });
  after(async () => {
    await provider?.close();
    await storage?.dispose();
  });

  test('openid-client pushes the request, the browser signs in with the request_uri, the code redeems', async () => {
    const config = await discover(provider.config.issuer, client);
    assert.equal(
      config.serverMetadata().pushed_authorization_request_endpoint,
      `${provider.url}/par`,
    );
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = await oidc.buildAuthorizationUrlWithPAR(config, {
      redirect_uri: CB,
      scope: 'openid email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    assert.deepEqual([...url.searchParams.keys()].sort(), ['client_id', 'request_uri']);
    const browser = new Browser(provider.url);
    const login = await browser.get(url.href);
    const landed = await browser.submit(login, '/login', { username, password: PASSWORD });
    const tokens = await finishFlow(config, landed, { verifier, state, nonce, redirectUri: CB });
    assert.equal(tokens.claims()?.email, 'pia@example.com');

    // §4: one use. The same request_uri again is refused on the provider's page.
    const again = await new Browser(provider.url).get(url.href);
    assert.equal(again.status, 400);
    assert.match(again.html, /invalid_request_uri/);
  });

  test('a DPoP proof with the push binds the code to its key (RFC 9449 §10.1)', async () => {
    const config = await discover(provider.config.issuer, client);
    const keys = await oidc.randomDPoPKeyPair('ES256');
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = await oidc.buildAuthorizationUrlWithPAR(
      config,
      {
        redirect_uri: CB,
        scope: 'openid email',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      },
      { DPoP: oidc.getDPoPHandle(config, keys) },
    );
    const browser = new Browser(provider.url);
    const login = await browser.get(url.href);
    const landed = await browser.submit(login, '/login', { username, password: PASSWORD });
    const code = new URL(landed.url).searchParams.get('code')!;
    // Without the pushing key the code is refused; with it the token is bound to the key.
    const other = await postForm(
      `${provider.url}/token`,
      { grant_type: 'authorization_code', code, redirect_uri: CB, code_verifier: verifier },
      { authorization: basicAuth(client.clientId, client.secret!) },
    );
    assert.equal(other.status, 400);
    assert.equal(other.body.error, 'invalid_grant');
    // The refused attempt spent the code (single use): the pushing key signs in again.
    const again = await oidc.buildAuthorizationUrlWithPAR(
      config,
      {
        redirect_uri: CB,
        scope: 'openid email',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      },
      { DPoP: oidc.getDPoPHandle(config, keys) },
    );
    const second = await browser.get(again.href);
    const bound = await oidc.authorizationCodeGrant(
      config,
      new URL(second.url),
      { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce },
      undefined,
      { DPoP: oidc.getDPoPHandle(config, keys) },
    );
    assert.equal(bound.token_type, 'dpop');
    // A dpop_jkt that names another key than the proof's is refused at /par.
    const mismatch = await postForm(
      `${provider.url}/par`,
      {
        response_type: 'code',
        redirect_uri: CB,
        scope: 'openid',
        code_challenge: CHALLENGE,
        code_challenge_method: 'S256',
        dpop_jkt: 'A'.repeat(43),
      },
      {
        authorization: basicAuth(client.clientId, client.secret!),
        dpop: await dpopProof(await dpopKey(), { htm: 'POST', htu: `${provider.url}/par` }),
      },
    );
    assert.equal(mismatch.status, 400);
    assert.equal(mismatch.body.error, 'invalid_dpop_proof');
  });

  test('/par answers 201 with a request_uri and expires_in, not cached', async () => {
    const answer = await par(client, {
      response_type: 'code',
      redirect_uri: CB,
      scope: 'openid',
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
    });
    assert.equal(answer.status, 201);
    assert.match(
      answer.body.request_uri as string,
      /^urn:ietf:params:oauth:request_uri:[\w-]{43}$/,
    );
    assert.equal(answer.body.expires_in, 300);
    assert.equal(answer.headers.get('cache-control'), 'no-store');
  });

  test('/par refuses, in JSON, what /authorize would refuse', async () => {
    const base = {
      response_type: 'code',
      redirect_uri: CB,
      scope: 'openid',
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
    };
    const cases: [string, Record<string, string>, number, string, RegExp][] = [
      [
        'redirect_uri not registered',
        { ...base, redirect_uri: 'https://evil.example.com/cb' },
        400,
        'invalid_request',
        /redirect_uri/,
      ],
      [
        'response_type token',
        { ...base, response_type: 'token' },
        400,
        'unsupported_response_type',
        /token/,
      ],
      ['scope not allowed', { ...base, scope: 'openid admin' }, 400, 'invalid_scope', /admin/],
      [
        'a request_uri inside',
        { ...base, request_uri: 'urn:ietf:params:oauth:request_uri:x' },
        400,
        'invalid_request',
        /request_uri/,
      ],
      ['no response_type', { redirect_uri: CB }, 400, 'invalid_request', /response_type/],
      [
        'a bad code_challenge',
        { ...base, code_challenge: 'short' },
        400,
        'invalid_request',
        /code_challenge/,
      ],
      [
        'another client_id in the body',
        { ...base, client_id: 'someone-else' },
        401,
        'invalid_client',
        /./,
      ],
    ];
    for (const [what, params, status, error, description] of cases) {
      const answer = await par(client, params);
      assert.equal(answer.status, status, what);
      assert.equal(answer.body.error, error, what);
      assert.match(String(answer.body.error_description), description, what);
      assert.equal(answer.headers.get('location'), null, `${what}: never a redirect`);
    }
    const unauthenticated = await postForm(`${provider.url}/par`, {
      ...base,
      client_id: client.clientId,
    });
    assert.equal(unauthenticated.status, 401);
    assert.equal(unauthenticated.body.error, 'invalid_client');
    const wrongSecret = await par({ clientId: client.clientId, secret: 'wrong' }, base);
    assert.equal(wrongSecret.status, 401);
    const repeated = await fetch(`${provider.url}/par`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basicAuth(client.clientId, client.secret!),
      },
      body: 'response_type=code&scope=openid&scope=email',
    });
    assert.equal(repeated.status, 400);
  });

  test('a request_uri of another client, expired, unknown or malformed is refused on the page', async () => {
    const browser = new Browser(provider.url);
    const theirs = await pushed(other);
    const stolen = await browser.get(authorizeUrl(client.clientId, theirs));
    assert.equal(stolen.status, 400);
    assert.match(stolen.html, /invalid_request_uri/);
    // Spent by that first use: its own client cannot use it after the theft.
    const spent = await browser.get(authorizeUrl(other.clientId, theirs));
    assert.equal(spent.status, 400);

    const expiring = await pushed();
    clock.advance(5 * 60_000 + 1_000);
    const expired = await browser.get(authorizeUrl(client.clientId, expiring));
    assert.equal(expired.status, 400);
    assert.match(expired.html, /invalid_request_uri/);

    for (const requestUri of [
      'urn:ietf:params:oauth:request_uri:' + 'A'.repeat(43),
      'urn:ietf:params:oauth:request_uri:not-a-handle',
    ]) {
      const page = await browser.get(authorizeUrl(client.clientId, requestUri));
      assert.equal(page.status, 400, requestUri);
      assert.match(page.html, /invalid_request_uri/, requestUri);
    }
    const withoutClient = await browser.get(
      `${provider.url}/authorize?request_uri=${encodeURIComponent(await pushed())}`,
    );
    assert.equal(withoutClient.status, 400);
    assert.match(withoutClient.html, /client_id is required/);
    // A request_uri that is not ours is a reference the provider does not fetch.
    const foreign = await browser.get(
      `${provider.url}/authorize?${new URLSearchParams({ client_id: client.clientId, response_type: 'code', redirect_uri: CB, request_uri: 'https://rp.example.com/request.jwt' }).toString()}`,
    );
    assert.equal(foreign.status, 303);
    assert.equal(new URL(foreign.url).searchParams.get('error'), 'request_uri_not_supported');
  });

  test('parameters sent beside the request_uri are ignored: the pushed ones are the request', async () => {
    const requestUri = await pushed(client, { state: 'the-pushed-state' });
    const page = await new Browser(provider.url).get(
      `${authorizeUrl(client.clientId, requestUri)}&state=a-forged-state&redirect_uri=${encodeURIComponent('https://evil.example.com/cb')}&prompt=none`,
    );
    // prompt=none would answer login_required at once; the pushed request asks for a login page.
    assert.equal(page.status, 200, page.html.slice(0, 200));
    assert.ok(page.url.includes('/interaction/'));
  });

  test('a client that must push: a direct request goes back to it with invalid_request', async () => {
    const direct = await new Browser(provider.url).get(
      `${provider.url}/authorize?${new URLSearchParams({ client_id: pushOnly.clientId, response_type: 'code', redirect_uri: CB, scope: 'openid', state: 'direct-state', code_challenge: CHALLENGE, code_challenge_method: 'S256' }).toString()}`,
    );
    assert.equal(direct.status, 303);
    const back = new URL(direct.url);
    assert.equal(back.origin + back.pathname, CB);
    assert.equal(back.searchParams.get('error'), 'invalid_request');
    assert.equal(back.searchParams.get('state'), 'direct-state');
    const viaPar = await new Browser(provider.url).get(
      authorizeUrl(pushOnly.clientId, await pushed(pushOnly)),
    );
    assert.equal(viaPar.status, 200);
    assert.ok(viaPar.url.includes('/interaction/'));
  });

  test('discovery names the endpoint and whether every client must push', async () => {
    const metadata = (await (
      await fetch(`${provider.url}/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    assert.equal(metadata.pushed_authorization_request_endpoint, `${provider.url}/par`);
    assert.equal(metadata.require_pushed_authorization_requests, false);
  });
});
