import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import * as oidc from 'openid-client';
import { UsersService } from '../src/users/users.service.js';
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
import { finishFlow } from './support/sign-in.js';

const CB = 'https://rp.example.com/cb';
const PASSWORD = 'signed, sealed, delivered';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

type Registered = { clientId: string; secret?: string };

/**
 * RFC 9101 request objects by value, and pushed (RFC 9126 §3): signed with the client's
 * registered key, for this provider, not expired, not replayed; the object's parameters are
 * the request, and every failure is invalid_request_object on the provider's page.
 */
describe(`signed request objects on ${target}`, { timeout: 120_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;
  const clock = new MovableClock();
  let username: string;
  let key: CryptoKey;
  let otherKey: CryptoKey;
  let client: Registered;
  let rsOnly: Registered;
  let keyless: Registered;
  let mustSign: Registered;

  /** A request object as a client would sign it, with `claims` changed or removed (undefined). */
  const requestObject = (
    who: Registered,
    claims: Record<string, unknown> = {},
    options: { key?: CryptoKey; alg?: string } = {},
  ) => {
    const now = Math.floor(clock.now() / 1000);
    const payload = Object.fromEntries(
      Object.entries({
        iss: who.clientId,
        aud: provider.config.issuer,
        client_id: who.clientId,
        iat: now,
        nbf: now,
        exp: now + 60,
        jti: randomBytes(12).toString('base64url'),
        response_type: 'code',
        redirect_uri: CB,
        scope: 'openid email',
        state: 'state-of-the-object',
        nonce: 'nonce-of-the-object',
        code_challenge: CHALLENGE,
        code_challenge_method: 'S256',
        ...claims,
      }).filter(([, v]) => v !== undefined),
    ) as JWTPayload;
    return new SignJWT(payload)
      .setProtectedHeader({ alg: options.alg ?? 'ES256', typ: 'oauth-authz-req+jwt' })
      .sign(options.key ?? key);
  };
  const authorize = (params: Record<string, string>) =>
    new Browser(provider.url).get(
      `${provider.url}/authorize?${new URLSearchParams(params).toString()}`,
    );
  const refused = (page: Visit, description: RegExp, what: string) => {
    assert.equal(page.status, 400, `${what}: ${page.url.slice(0, 120)}`);
    assert.match(page.html, /invalid_request_object|invalid_request/, what);
    assert.match(page.html, description, what);
  };

  before(async () => {
    storage = await createStorage();
    provider = await startProvider(storage.env, { clock });
    username = `rosa-${randomBytes(3).toString('hex')}`;
    await provider.app.get(UsersService).create({
      username,
      password: PASSWORD,
      claims: { email: 'rosa@example.com' },
      origin: 'admin',
    });
    const pair = await generateKeyPair('ES256', { extractable: true });
    key = pair.privateKey;
    otherKey = (await generateKeyPair('ES256')).privateKey;
    const jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), alg: 'ES256', use: 'sig' }] };
    const web = {
      redirect_uris: [CB],
      grant_types: ['authorization_code'],
      scope: 'openid email',
      consent_mode: 'implicit',
    };
    client = await registerClient(provider.app, { ...web, jwks });
    rsOnly = await registerClient(provider.app, {
      ...web,
      jwks,
      request_object_signing_alg: 'RS256',
    });
    keyless = await registerClient(provider.app, web);
    mustSign = await registerClient(provider.app, {
      ...web,
      jwks,
      require_signed_request_object: true,
    });
  });
  after(async () => {
    await provider?.close();
    await storage?.dispose();
  });

  const config = (who: Registered) =>
    oidc.discovery(
      new URL(provider.config.issuer),
      who.clientId,
      undefined,
      oidc.ClientSecretBasic(who.secret),
      { execute: [oidc.allowInsecureRequests] },
    );

  test('openid-client signs the request; the browser signs in with it; the code redeems', async () => {
    const rp = await config(client);
    assert.equal(rp.serverMetadata().request_parameter_supported, true);
    assert.ok(rp.serverMetadata().request_object_signing_alg_values_supported?.includes('ES256'));
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = await oidc.buildAuthorizationUrlWithJAR(
      rp,
      {
        redirect_uri: CB,
        scope: 'openid email',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      },
      key,
    );
    assert.deepEqual([...url.searchParams.keys()].sort(), ['client_id', 'request']);
    const browser = new Browser(provider.url);
    const login = await browser.get(url.href);
    const landed = await browser.submit(login, '/login', { username, password: PASSWORD });
    const tokens = await finishFlow(rp, landed, { verifier, state, nonce, redirectUri: CB });
    assert.equal(tokens.claims()?.email, 'rosa@example.com');

    // The same object again: its jti was used.
    refused(await new Browser(provider.url).get(url.href), /already been used/, 'replay');
  });

  test('openid-client pushes a signed request to /par (RFC 9126 §3), and the browser uses it', async () => {
    const rp = await config(client);
    const signed = await oidc.buildAuthorizationUrlWithJAR(
      rp,
      {
        redirect_uri: CB,
        scope: 'openid',
        code_challenge: CHALLENGE,
        code_challenge_method: 'S256',
      },
      key,
    );
    const url = await oidc.buildAuthorizationUrlWithPAR(rp, signed.searchParams);
    assert.deepEqual([...url.searchParams.keys()].sort(), ['client_id', 'request_uri']);
    const page = await new Browser(provider.url).get(url.href);
    assert.equal(page.status, 200);
    assert.ok(page.url.includes('/interaction/'));
    // A bad object at /par is a JSON answer to the client.
    const bad = await postForm(
      `${provider.url}/par`,
      { request: await requestObject(client, { aud: 'https://elsewhere.example.com' }) },
      { authorization: basicAuth(client.clientId, client.secret!) },
    );
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, {
      error: 'invalid_request_object',
      error_description: 'The request object aud must be the issuer',
    });
  });

  test('the object is the request: parameters beside it, but client_id, are ignored', async () => {
    const page = await authorize({
      client_id: client.clientId,
      request: await requestObject(client),
      redirect_uri: 'https://evil.example.com/cb',
      prompt: 'none',
      scope: 'openid admin',
    });
    // prompt=none or the scope outside would have been answered at once; the object asks a login.
    assert.equal(page.status, 200);
    assert.ok(page.url.includes('/interaction/'));
    // An object whose own content is wrong goes back to the client like any request.
    const badScope = await authorize({
      client_id: client.clientId,
      request: await requestObject(client, { scope: 'openid admin' }),
    });
    assert.equal(badScope.status, 303);
    assert.equal(new URL(badScope.url).searchParams.get('error'), 'invalid_scope');
    assert.equal(new URL(badScope.url).searchParams.get('state'), 'state-of-the-object');
  });

  test('every object that cannot be trusted is refused on the provider page', async () => {
    const now = Math.floor(clock.now() / 1000);
    const unsigned = (payload: Record<string, unknown>) =>
      `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;
    const cases: [string, Record<string, string>, RegExp][] = [
      ['another key', { request: await requestObject(client, {}, { key: otherKey }) }, /signature/],
      [
        'alg none',
        { request: unsigned({ iss: client.clientId, aud: provider.config.issuer, exp: now + 60 }) },
        /must be signed/,
      ],
      [
        'iss another client',
        { request: await requestObject(client, { iss: 'someone-else' }) },
        /iss must be the client_id/,
      ],
      [
        'aud another server',
        { request: await requestObject(client, { aud: 'https://other.example.com' }) },
        /aud must be the issuer/,
      ],
      [
        'expired',
        { request: await requestObject(client, { exp: now - 60, nbf: now - 120, iat: now - 120 }) },
        /expired/,
      ],
      ['no exp', { request: await requestObject(client, { exp: undefined }) }, /exp/],
      [
        'exp a day ahead',
        { request: await requestObject(client, { exp: now + 86_400 }) },
        /more than 3600 s ahead/,
      ],
      [
        'nbf in the future',
        { request: await requestObject(client, { nbf: now + 600 }) },
        /not valid yet/,
      ],
      [
        'client_id claim another',
        { request: await requestObject(client, { client_id: 'someone-else' }) },
        /another client_id/,
      ],
      [
        'a request inside',
        { request: await requestObject(client, { request: 'eyJ...' }) },
        /cannot hold request/,
      ],
      [
        'a jti that is no string',
        { request: await requestObject(client, { jti: 42 }) },
        /jti must be a string/,
      ],
      [
        'a claim that is no parameter',
        { request: await requestObject(client, { scope: ['openid'] }) },
        /scope is not a string/,
      ],
      ['not a JWT', { request: 'not-a-jwt' }, /not a signed JWT/],
    ];
    for (const [what, params, description] of cases)
      refused(await authorize({ client_id: client.clientId, ...params }), description, what);
    // Longer than a URL may be: sent as the form of a POST.
    refused(
      await new Browser(provider.url).post(`${provider.url}/authorize`, {
        client_id: client.clientId,
        request: 'a'.repeat(40_000),
      }),
      /longer than/,
      'too long',
    );

    refused(
      await authorize({ client_id: rsOnly.clientId, request: await requestObject(rsOnly) }),
      /must be signed with RS256/,
      'not the registered algorithm',
    );
    refused(
      await authorize({ client_id: keyless.clientId, request: await requestObject(keyless) }),
      /no registered keys/,
      'a client without keys',
    );
    refused(
      await authorize({ request: await requestObject(client) }),
      /client_id is required/,
      'no client_id',
    );
    const unknown = await authorize({
      client_id: 'nobody-at-all',
      request: await requestObject(client),
    });
    assert.equal(unknown.status, 400);
    assert.match(unknown.html, /invalid_client/);
  });

  test('a client that must sign: a plain request goes back to it with invalid_request', async () => {
    const plain = await authorize({
      client_id: mustSign.clientId,
      response_type: 'code',
      redirect_uri: CB,
      scope: 'openid',
      state: 'plain-state',
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
    });
    assert.equal(plain.status, 303);
    const back = new URL(plain.url);
    assert.equal(back.searchParams.get('error'), 'invalid_request');
    assert.match(back.searchParams.get('error_description') ?? '', /signed request objects/);
    const signed = await authorize({
      client_id: mustSign.clientId,
      request: await requestObject(mustSign),
    });
    assert.equal(signed.status, 200);
    assert.ok(signed.url.includes('/interaction/'));
  });
});
