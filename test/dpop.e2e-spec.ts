import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, decodeJwt, exportJWK, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { loadConfig } from '../src/config/app-config.js';
import type { User } from '../src/users/user.entity.js';
import { UsersService } from '../src/users/users.service.js';
import { ADMIN_ENV } from './support/admin.js';
import { basicAuth, postForm, registerClient } from './support/clients.js';
import { MovableClock } from './support/clock.js';
import { CODE_REDIRECT_URI as CB, codeGrant, mintCode } from './support/codes.js';
import { ath, dpopKey, dpopProof, unsignedProof, type DpopKey } from './support/dpop.js';
import {
  createStorage,
  startProvider,
  target,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

type Client = { clientId: string; secret?: string };
const ALGS = 'ES256 PS256 RS256 EdDSA';

describe(`DPoP (RFC 9449) on ${target}`, { timeout: 120_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;
  let user: User;
  /** Confidential, client_credentials. */
  let service: Client;
  /** Confidential, must always send a proof (dpop_bound_access_tokens). */
  let strict: Client;
  /** Confidential web app with refresh tokens. */
  let web: Client;
  /** Public app (PKCE, none) with refresh tokens. */
  let spa: Client;
  let key: DpopKey;
  let otherKey: DpopKey;
  const clock = new MovableClock();
  const tokenUrl = () => `${provider.url}/token`;
  const userinfoUrl = () => `${provider.url}/userinfo`;

  before(async () => {
    storage = await createStorage();
    provider = await startProvider(
      { ...storage.env, ...ADMIN_ENV, REGISTRATION_MODE: 'open' },
      { clock },
    );
    user = await provider.app.get(UsersService).create({
      username: `dora-${randomBytes(3).toString('hex')}`,
      claims: { email: 'dora@example.com', email_verified: true },
      origin: 'admin',
    });
    const cc = { grant_types: ['client_credentials'], scope: 'orders:read' };
    service = await registerClient(provider.app, cc);
    strict = await registerClient(provider.app, { ...cc, dpop_bound_access_tokens: true });
    const code = {
      redirect_uris: [CB],
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'openid email offline_access',
    };
    web = await registerClient(provider.app, {
      ...code,
      token_endpoint_auth_method: 'client_secret_post',
    });
    spa = await registerClient(provider.app, { ...code, token_endpoint_auth_method: 'none' });
    key = await dpopKey();
    otherKey = await dpopKey();
  });
  after(async () => {
    await provider?.close();
    await storage?.dispose();
  });

  const rp = (client: Client) =>
    oidc.discovery(
      new URL(provider.config.issuer),
      client.clientId,
      undefined,
      !client.secret
        ? oidc.None()
        : client === service || client === strict
          ? oidc.ClientSecretBasic(client.secret)
          : oidc.ClientSecretPost(client.secret),
      { execute: [oidc.allowInsecureRequests] },
    );

  /** openid-client redeems a code minted as /authorize mints it, with a DPoP proof. */
  async function codeFlow(client: Client, dpop: DpopKey) {
    const config = await rp(client);
    const verifier = oidc.randomPKCECodeVerifier();
    const code = await mintCode(
      provider,
      codeGrant(client.clientId, user.id, {
        scope: ['openid', 'email', 'offline_access'],
        codeChallenge: await oidc.calculatePKCECodeChallenge(verifier),
        codeChallengeMethod: 'S256',
      }),
    );
    const handle = oidc.getDPoPHandle(config, dpop);
    const callback = new URL(
      `${CB}?code=${code}&state=s-12345678&iss=${encodeURIComponent(provider.config.issuer)}`,
    );
    const tokens = await oidc.authorizationCodeGrant(
      config,
      callback,
      {
        pkceCodeVerifier: verifier,
        expectedState: 's-12345678',
        expectedNonce: 'nonce-for-the-id-token',
      },
      undefined,
      { DPoP: handle },
    );
    return { config, handle, tokens };
  }

  /** A client_credentials request of `service` with the given DPoP header(s). */
  const ccWith = (dpop: string | string[] | undefined, client: Client = service) => {
    const headers = new Headers({
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basicAuth(client.clientId, client.secret!),
    });
    for (const value of dpop === undefined ? [] : Array.isArray(dpop) ? dpop : [dpop])
      headers.append('dpop', value);
    return fetch(tokenUrl(), {
      method: 'POST',
      headers,
      body: 'grant_type=client_credentials',
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
  };

  const userinfo = (authorization: string, dpop?: string) =>
    fetch(userinfoUrl(), {
      headers: { authorization, ...(dpop !== undefined && { dpop }) },
    }).then(async (r) => ({
      status: r.status,
      body: (await r.json()) as Record<string, unknown>,
      challenge: r.headers.get('www-authenticate'),
    }));

  test('discovery lists the proof algorithms', async () => {
    const config = await rp(service);
    assert.deepEqual(config.serverMetadata().dpop_signing_alg_values_supported, ALGS.split(' '));
  });

  test('Swagger documents the DPoP header at /token and /userinfo, and the DPoP scheme', async () => {
    type Operation = { parameters?: { name: string; in: string }[]; security?: object[] };
    const doc = (await (await fetch(`${provider.url}/docs-json`)).json()) as {
      paths: Record<string, Record<string, Operation>>;
      components: { securitySchemes: Record<string, { type: string; scheme: string }> };
    };
    assert.deepEqual(
      { ...doc.components.securitySchemes.DPoP, description: undefined },
      { type: 'http', scheme: 'DPoP', description: undefined },
    );
    const path = (p: string) =>
      Object.keys(doc.paths).find((k) => k.endsWith(p)) ?? assert.fail(`${p} is not documented`);
    for (const [p, method] of [
      ['/token', 'post'],
      ['/userinfo', 'get'],
      ['/userinfo', 'post'],
    ] as const) {
      const op = doc.paths[path(p)][method];
      assert.ok(
        op.parameters?.some((x) => x.name === 'DPoP' && x.in === 'header'),
        `${method} ${p}`,
      );
    }
    // Either scheme: two alternatives, in any order.
    const security = doc.paths[path('/userinfo')].get.security ?? [];
    assert.deepEqual(security.map((s) => Object.keys(s).join()).sort(), ['DPoP', 'bearer']);
  });

  test('openid-client gets a DPoP-bound token by client_credentials: cnf.jkt, token_type DPoP, introspected as such', async () => {
    const config = await rp(service);
    const tokens = await oidc.clientCredentialsGrant(config, undefined, {
      DPoP: oidc.getDPoPHandle(config, key),
    });
    assert.equal(tokens.token_type, 'dpop');
    const jkt = await calculateJwkThumbprint(key.jwk);
    assert.deepEqual(decodeJwt(tokens.access_token).cnf, { jkt });

    const introspected = await oidc.tokenIntrospection(config, tokens.access_token);
    assert.equal(introspected.active, true);
    assert.equal(introspected.token_type, 'DPoP');
    assert.deepEqual(introspected.cnf, { jkt });

    // Without a proof, the same client still gets a Bearer token (dpop_bound_access_tokens off).
    const bearer = await oidc.clientCredentialsGrant(config);
    assert.equal(bearer.token_type, 'bearer');
    assert.equal(decodeJwt(bearer.access_token).cnf, undefined);
  });

  test('a client registered with dpop_bound_access_tokens must send a proof', async () => {
    assert.deepEqual(await ccWith(undefined, strict), {
      status: 400,
      body: {
        error: 'invalid_dpop_proof',
        error_description: 'This client must send a DPoP proof (dpop_bound_access_tokens)',
      },
    });
    const ok = await ccWith(await dpopProof(key, { htm: 'POST', htu: tokenUrl() }), strict);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.token_type, 'DPoP');
  });

  test('the code flow with DPoP: bound tokens, UserInfo with the proof, refresh with the same key', async () => {
    for (const client of [web, spa]) {
      const { config, handle, tokens } = await codeFlow(client, key);
      assert.equal(tokens.token_type, 'dpop');
      const jkt = await calculateJwkThumbprint(key.jwk);
      assert.deepEqual(decodeJwt(tokens.access_token).cnf, { jkt });
      const sub = tokens.claims()!.sub;
      const info = await oidc.fetchUserInfo(config, tokens.access_token, sub, { DPoP: handle });
      assert.equal(info.email, 'dora@example.com');

      const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!, undefined, {
        DPoP: handle,
      });
      assert.equal(refreshed.token_type, 'dpop');
      assert.deepEqual(decodeJwt(refreshed.access_token).cnf, { jkt });
      const again = await oidc.fetchUserInfo(config, refreshed.access_token, sub, {
        DPoP: handle,
      });
      assert.equal(again.sub, sub);
    }
  });

  test("a public client's refresh token is bound to its key: another key or none is invalid_grant, and the family lives on", async () => {
    const { config, tokens } = await codeFlow(spa, key);
    const refresh = (dpop?: string) =>
      postForm(
        tokenUrl(),
        {
          grant_type: 'refresh_token',
          refresh_token: tokens.refresh_token!,
          client_id: spa.clientId,
        },
        dpop === undefined ? {} : { dpop },
      );
    for (const dpop of [await dpopProof(otherKey, { htm: 'POST', htu: tokenUrl() }), undefined]) {
      const res = await refresh(dpop);
      assert.deepEqual(
        { status: res.status, body: res.body },
        {
          status: 400,
          body: {
            error: 'invalid_grant',
            error_description: 'The refresh token is bound to another DPoP key',
          },
        },
      );
    }
    // The holder of the key is not punished for what the thief tried.
    const ok = await oidc.refreshTokenGrant(config, tokens.refresh_token!, undefined, {
      DPoP: oidc.getDPoPHandle(config, key),
    });
    assert.equal(ok.token_type, 'dpop');
  });

  test("a confidential client's refresh token is not bound (§5.8); a proof at refresh binds the new access token", async () => {
    const { config, tokens } = await codeFlow(web, key);
    const other = await oidc.refreshTokenGrant(config, tokens.refresh_token!, undefined, {
      DPoP: oidc.getDPoPHandle(config, otherKey),
    });
    assert.deepEqual(decodeJwt(other.access_token).cnf, {
      jkt: await calculateJwkThumbprint(otherKey.jwk),
    });
    const plain = await oidc.refreshTokenGrant(config, other.refresh_token!);
    assert.equal(plain.token_type, 'bearer');
    assert.equal(decodeJwt(plain.access_token).cnf, undefined);
  });

  test('dpop_jkt binds the code to a key (§10): another key or no proof is invalid_grant', async () => {
    const jkt = await calculateJwkThumbprint(key.jwk);
    const redeem = async (dpop: DpopKey | undefined) => {
      const code = await mintCode(provider, codeGrant(web.clientId, user.id, { dpopJkt: jkt }));
      return postForm(
        tokenUrl(),
        {
          grant_type: 'authorization_code',
          code,
          redirect_uri: CB,
          client_id: web.clientId,
          client_secret: web.secret!,
        },
        dpop ? { dpop: await dpopProof(dpop, { htm: 'POST', htu: tokenUrl() }) } : {},
      );
    };
    for (const dpop of [otherKey, undefined]) {
      const res = await redeem(dpop);
      assert.deepEqual(
        { status: res.status, body: res.body },
        {
          status: 400,
          body: {
            error: 'invalid_grant',
            error_description: 'The code is bound to another DPoP key (dpop_jkt)',
          },
        },
      );
    }
    const ok = await redeem(key);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.token_type, 'DPoP');
  });

  test('/authorize refuses a dpop_jkt that is not a thumbprint, at the redirect URI', async () => {
    const authorize = (dpopJkt: string) =>
      fetch(
        `${provider.url}/authorize?${new URLSearchParams({
          client_id: web.clientId,
          redirect_uri: CB,
          response_type: 'code',
          scope: 'openid',
          state: 'state-12345678',
          dpop_jkt: dpopJkt,
        }).toString()}`,
        { redirect: 'manual' },
      );
    for (const bad of ['short', 'x'.repeat(43) + '=', `${'a'.repeat(42)}+`]) {
      const res = await authorize(bad);
      assert.equal(res.status, 303, bad);
      const location = new URL(res.headers.get('location')!);
      assert.equal(location.origin + location.pathname, CB);
      assert.equal(location.searchParams.get('error'), 'invalid_request', bad);
      assert.equal(
        location.searchParams.get('error_description'),
        'dpop_jkt must be the base64url SHA-256 thumbprint of a JWK',
      );
    }
    const good = await authorize(await calculateJwkThumbprint(key.jwk));
    assert.equal(good.status, 303);
    assert.match(good.headers.get('location')!, /\/interaction\//);
  });

  describe('bad proofs at /token: 400 invalid_dpop_proof', () => {
    const refused = (error_description: string) => ({
      status: 400,
      body: { error: 'invalid_dpop_proof', error_description },
    });
    const cases: [string, () => Promise<string | string[]>, string][] = [
      ['not a JWS', () => Promise.resolve('not-a-jws'), 'The DPoP proof is not a compact JWS'],
      [
        'typ JWT',
        () => dpopProof(key, { htm: 'POST', htu: tokenUrl() }, { typ: 'JWT' }),
        'The DPoP proof typ must be dpop+jwt',
      ],
      [
        'alg none',
        () =>
          Promise.resolve(
            unsignedProof(
              { alg: 'none', typ: 'dpop+jwt', jwk: key.jwk },
              {
                htm: 'POST',
                htu: tokenUrl(),
                iat: Math.floor(Date.now() / 1000),
                jti: randomUUID(),
              },
            ),
          ),
        `The DPoP proof alg must be one of ${ALGS.replaceAll(' ', ', ')}`,
      ],
      [
        'alg HS256',
        async () => {
          const secret = randomBytes(32);
          return new SignJWT({ htm: 'POST', htu: tokenUrl(), jti: randomUUID() })
            .setIssuedAt()
            .setProtectedHeader({
              alg: 'HS256',
              typ: 'dpop+jwt',
              jwk: { kty: 'oct', k: secret.toString('base64url') } as never,
            })
            .sign(secret);
        },
        `The DPoP proof alg must be one of ${ALGS.replaceAll(' ', ', ')}`,
      ],
      [
        'no jwk',
        () => dpopProof(key, { htm: 'POST', htu: tokenUrl() }, { jwk: undefined }),
        'The DPoP proof header must carry the public key as jwk',
      ],
      [
        'a private jwk',
        async () =>
          dpopProof(
            key,
            { htm: 'POST', htu: tokenUrl() },
            { jwk: await exportJWK(key.privateKey) },
          ),
        'The DPoP proof jwk must be a public key',
      ],
      [
        'a signature by another key',
        () => dpopProof(otherKey, { htm: 'POST', htu: tokenUrl() }, { jwk: key.jwk }),
        'The DPoP proof signature or key is invalid',
      ],
      [
        'htm GET',
        () => dpopProof(key, { htm: 'GET', htu: tokenUrl() }),
        'The DPoP proof htm must be POST',
      ],
      [
        'htu of another endpoint',
        () => dpopProof(key, { htm: 'POST', htu: userinfoUrl() }),
        'The DPoP proof htu does not name this endpoint',
      ],
      [
        'htu not a URL',
        () => dpopProof(key, { htm: 'POST', htu: 'token' }),
        'The DPoP proof htu does not name this endpoint',
      ],
      [
        'no htu',
        () => dpopProof(key, { htm: 'POST', htu: undefined }),
        'The DPoP proof htu does not name this endpoint',
      ],
      [
        'iat 2 minutes old',
        () =>
          dpopProof(key, {
            htm: 'POST',
            htu: tokenUrl(),
            iat: Math.floor(Date.now() / 1000) - 120,
          }),
        'The DPoP proof iat is too far from the current time',
      ],
      [
        'iat 2 minutes ahead',
        () =>
          dpopProof(key, {
            htm: 'POST',
            htu: tokenUrl(),
            iat: Math.floor(Date.now() / 1000) + 120,
          }),
        'The DPoP proof iat is too far from the current time',
      ],
      [
        'iat a string',
        () => dpopProof(key, { htm: 'POST', htu: tokenUrl(), iat: 'now' }),
        'The DPoP proof iat claim is invalid',
      ],
      [
        'exp in the past',
        () =>
          dpopProof(key, { htm: 'POST', htu: tokenUrl(), exp: Math.floor(Date.now() / 1000) - 5 }),
        'The DPoP proof exp claim is invalid',
      ],
      [
        'no jti',
        () => dpopProof(key, { htm: 'POST', htu: tokenUrl(), jti: undefined }),
        'The DPoP proof must have a jti',
      ],
      [
        'a jti of 300 characters',
        () => dpopProof(key, { htm: 'POST', htu: tokenUrl(), jti: 'j'.repeat(300) }),
        'The DPoP proof jti is too long',
      ],
      [
        'two DPoP headers',
        async () => [
          await dpopProof(key, { htm: 'POST', htu: tokenUrl() }),
          await dpopProof(key, { htm: 'POST', htu: tokenUrl() }),
        ],
        'Send exactly one DPoP header',
      ],
    ];
    for (const [name, make, description] of cases) {
      test(name, async () => {
        assert.deepEqual(await ccWith(await make()), refused(description));
      });
    }

    test('a replayed proof (same jti and key)', async () => {
      const proof = await dpopProof(key, { htm: 'POST', htu: tokenUrl() });
      assert.equal((await ccWith(proof)).status, 200);
      assert.deepEqual(await ccWith(proof), refused('The DPoP proof was already used'));
    });

    test('iat is judged on the provider clock; htu is compared normalised (§4.3)', async () => {
      clock.advance(120_000);
      try {
        const late = await dpopProof(key, { htm: 'POST', htu: tokenUrl() });
        assert.deepEqual(
          await ccWith(late),
          refused('The DPoP proof iat is too far from the current time'),
        );
        const current = await dpopProof(key, {
          htm: 'POST',
          htu: tokenUrl(),
          iat: Math.floor(clock.now() / 1000),
        });
        assert.equal((await ccWith(current)).status, 200);
      } finally {
        clock.rewind(120_000);
      }
      const upper = tokenUrl().replace('http://', 'HTTP://');
      for (const htu of [upper, `${tokenUrl()}?x=1#f`]) {
        const res = await ccWith(await dpopProof(key, { htm: 'POST', htu }));
        assert.equal(res.status, 200, htu);
      }
    });
  });

  describe('resource side: /userinfo and the admin API', () => {
    let bound: { token: string; sub: string };
    let bearerToken: string;
    before(async () => {
      const { tokens } = await codeFlow(web, key);
      bound = { token: tokens.access_token, sub: tokens.claims()!.sub };
      const config = await rp(web);
      const verifier = oidc.randomPKCECodeVerifier();
      const code = await mintCode(
        provider,
        codeGrant(web.clientId, user.id, {
          codeChallenge: await oidc.calculatePKCECodeChallenge(verifier),
          codeChallengeMethod: 'S256',
        }),
      );
      const plain = await oidc.authorizationCodeGrant(
        config,
        new URL(`${CB}?code=${code}&iss=${encodeURIComponent(provider.config.issuer)}`),
        { pkceCodeVerifier: verifier, expectedNonce: 'nonce-for-the-id-token' },
      );
      bearerToken = plain.access_token;
    });

    const proofFor = (token: string | undefined, k: DpopKey = key, extra = {}) =>
      dpopProof(k, {
        htm: 'GET',
        htu: userinfoUrl(),
        ...(token !== undefined && { ath: ath(token) }),
        ...extra,
      });
    const dpopRefusal = (description: string) => ({
      status: 401,
      body: { error: 'invalid_dpop_proof', error_description: description },
      challenge: `DPoP error="invalid_dpop_proof", error_description="${description}", algs="${ALGS}"`,
    });

    test('a bound token with a proof of its key and ath is served', async () => {
      const res = await userinfo(`DPoP ${bound.token}`, await proofFor(bound.token));
      assert.equal(res.status, 200);
      assert.equal(res.body.sub, bound.sub);
    });

    const cases: [string, () => Promise<[string, string | undefined]>, object][] = [
      [
        'no ath',
        async () => [`DPoP ${bound.token}`, await proofFor(undefined)],
        dpopRefusal('The DPoP proof must have ath with an access token'),
      ],
      [
        'a wrong ath',
        async () => [`DPoP ${bound.token}`, await proofFor(bearerToken)],
        dpopRefusal('The DPoP proof ath does not match the access token'),
      ],
      [
        'no DPoP header',
        () => Promise.resolve([`DPoP ${bound.token}`, undefined]),
        dpopRefusal('A DPoP proof is required with a DPoP-bound token'),
      ],
      [
        'a proof by another key',
        async () => [`DPoP ${bound.token}`, await proofFor(bound.token, otherKey)],
        dpopRefusal('The DPoP proof is not signed by the key the token is bound to'),
      ],
      [
        'htm POST on a GET',
        async () => [`DPoP ${bound.token}`, await proofFor(bound.token, key, { htm: 'POST' })],
        dpopRefusal('The DPoP proof htm must be GET'),
      ],
      [
        'htu of /token',
        async () => [`DPoP ${bound.token}`, await proofFor(bound.token, key, { htu: tokenUrl() })],
        dpopRefusal('The DPoP proof htu does not name this endpoint'),
      ],
      [
        'the bound token as Bearer',
        () => Promise.resolve([`Bearer ${bound.token}`, undefined]),
        {
          status: 401,
          body: {
            error: 'invalid_token',
            error_description: 'The access token is DPoP-bound: present it with the DPoP scheme',
          },
          challenge: `DPoP error="invalid_token", error_description="The access token is DPoP-bound: present it with the DPoP scheme", algs="${ALGS}"`,
        },
      ],
      [
        'a Bearer token with the DPoP scheme',
        async () => [`DPoP ${bearerToken}`, await proofFor(bearerToken)],
        {
          status: 401,
          body: {
            error: 'invalid_token',
            error_description: 'The access token is not DPoP-bound: present it as Bearer',
          },
          challenge:
            'Bearer error="invalid_token", error_description="The access token is not DPoP-bound"',
        },
      ],
    ];
    for (const [name, make, expected] of cases) {
      test(`userinfo refuses ${name}`, async () => {
        const [authorization, dpop] = await make();
        assert.deepEqual(await userinfo(authorization, dpop), expected);
      });
    }

    test('an invalid token sent with the DPoP scheme gets a DPoP challenge, at userinfo and the admin API', async () => {
      const description = 'The access token is invalid, expired or revoked';
      const challenge = `DPoP error="invalid_token", error_description="${description}", algs="${ALGS}"`;
      const garbage = 'not.a.token';
      assert.deepEqual(await userinfo(`DPoP ${garbage}`, await proofFor(garbage)), {
        status: 401,
        body: { error: 'invalid_token', error_description: description },
        challenge,
      });
      const admin = await fetch(`${provider.url}/admin/clients`, {
        headers: { authorization: `DPoP ${garbage}` },
      });
      assert.equal(admin.status, 401);
      assert.equal(admin.headers.get('www-authenticate'), challenge);
    });

    test('a proof is used once at userinfo too', async () => {
      const proof = await proofFor(bound.token);
      assert.equal((await userinfo(`DPoP ${bound.token}`, proof)).status, 200);
      assert.deepEqual(
        await userinfo(`DPoP ${bound.token}`, proof),
        dpopRefusal('The DPoP proof was already used'),
      );
    });

    test('the admin API takes a DPoP-bound admin token with its proof, never as Bearer', async () => {
      const proof = await dpopProof(key, { htm: 'POST', htu: tokenUrl() });
      const issued = await postForm(
        tokenUrl(),
        { grant_type: 'client_credentials', scope: 'admin' },
        {
          authorization: basicAuth(ADMIN_ENV.ADMIN_CLIENT_ID, ADMIN_ENV.ADMIN_CLIENT_SECRET),
          dpop: proof,
        },
      );
      assert.equal(issued.status, 200, JSON.stringify(issued.body));
      const token = issued.body.access_token as string;
      const url = `${provider.url}/admin/clients`;
      const asBearer = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(asBearer.status, 401);
      assert.equal(((await asBearer.json()) as { error: string }).error, 'invalid_token');
      const withProof = await fetch(url, {
        headers: {
          authorization: `DPoP ${token}`,
          dpop: await dpopProof(key, { htm: 'GET', htu: url, ath: ath(token) }),
        },
      });
      assert.equal(withProof.status, 200);
    });

    test('registration management stays Bearer-only (RFC 7592): the DPoP scheme is refused', async () => {
      const registered = await fetch(`${provider.url}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: ['https://app.example.com/cb'] }),
      }).then((r) => r.json() as Promise<Record<string, string>>);
      const uri = registered.registration_client_uri;
      const token = registered.registration_access_token;
      const asDpop = await fetch(uri, {
        headers: {
          authorization: `DPoP ${token}`,
          dpop: await dpopProof(key, { htm: 'GET', htu: uri, ath: ath(token) }),
        },
      });
      assert.deepEqual(
        { status: asDpop.status, body: await asDpop.json() },
        {
          status: 400,
          body: {
            error: 'invalid_request',
            error_description: 'The Authorization header must be "Bearer <token>"',
          },
        },
      );
      const asBearer = await fetch(uri, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(asBearer.status, 200);
    });
  });
});

describe(`DPoP with DPOP_NONCE and DPOP_PROOF_WINDOW on ${target}`, { timeout: 120_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;
  let service: Client;
  let key: DpopKey;
  const clock = new MovableClock();
  const tokenUrl = () => `${provider.url}/token`;

  before(async () => {
    storage = await createStorage();
    provider = await startProvider(
      { ...storage.env, DPOP_NONCE: 'true', DPOP_PROOF_WINDOW: '10s' },
      { clock },
    );
    service = await registerClient(provider.app, {
      grant_types: ['client_credentials'],
      scope: 'orders:read',
    });
    key = await dpopKey();
  });
  after(async () => {
    await provider?.close();
    await storage?.dispose();
  });

  const cc = (dpop: string) =>
    postForm(
      tokenUrl(),
      { grant_type: 'client_credentials' },
      { authorization: basicAuth(service.clientId, service.secret!), dpop },
    );

  test('the settings are checked at boot', () => {
    for (const [value, message] of [
      ['0s', 'DPOP_PROOF_WINDOW must be longer than 0'],
      ['11m', 'DPOP_PROOF_WINDOW must be at most 10m'],
    ])
      assert.throws(
        () => loadConfig({ ...storage.env, DPOP_PROOF_WINDOW: value }),
        (e: Error) => e.message.includes(message),
        value,
      );
    assert.throws(
      () => loadConfig({ ...storage.env, DPOP_NONCE: 'yes' }),
      (e: Error) => e.message.includes('DPOP_NONCE must be true or false'),
    );
  });

  test('openid-client retries with the nonce it is given, by itself', async () => {
    const config = await oidc.discovery(
      new URL(provider.config.issuer),
      service.clientId,
      undefined,
      oidc.ClientSecretBasic(service.secret),
      { execute: [oidc.allowInsecureRequests] },
    );
    const tokens = await oidc.clientCredentialsGrant(config, undefined, {
      DPoP: oidc.getDPoPHandle(config, key),
    });
    assert.equal(tokens.token_type, 'dpop');
  });

  test('a proof without the nonce is use_dpop_nonce with a DPoP-Nonce; with it, served; a stale one refused', async () => {
    const first = await cc(await dpopProof(key, { htm: 'POST', htu: tokenUrl() }));
    assert.deepEqual(
      { status: first.status, body: first.body },
      {
        status: 400,
        body: {
          error: 'use_dpop_nonce',
          error_description: 'The DPoP proof must carry the server nonce',
        },
      },
    );
    const nonce = first.headers.get('dpop-nonce');
    assert.match(nonce ?? '', /^[A-Za-z0-9_-]{43}$/);

    const served = await cc(await dpopProof(key, { htm: 'POST', htu: tokenUrl(), nonce }));
    assert.equal(served.status, 200, JSON.stringify(served.body));
    assert.equal(served.headers.get('dpop-nonce'), nonce, 'the nonce to use next');

    const wrong = await cc(await dpopProof(key, { htm: 'POST', htu: tokenUrl(), nonce: 'x' }));
    assert.deepEqual(wrong.body, {
      error: 'use_dpop_nonce',
      error_description: 'The DPoP proof nonce is stale or unknown',
    });

    // A period later the nonce is still good (the client may just have received it); two, not.
    clock.advance(5 * 60_000);
    try {
      const iat = Math.floor(clock.now() / 1000);
      const later = await cc(await dpopProof(key, { htm: 'POST', htu: tokenUrl(), nonce, iat }));
      assert.equal(later.status, 200);
      assert.notEqual(later.headers.get('dpop-nonce'), nonce);
      clock.advance(5 * 60_000);
      const stale = await cc(
        await dpopProof(key, {
          htm: 'POST',
          htu: tokenUrl(),
          nonce,
          iat: Math.floor(clock.now() / 1000),
        }),
      );
      assert.equal(stale.status, 400);
      assert.equal(stale.body.error, 'use_dpop_nonce');
      assert.notEqual(stale.headers.get('dpop-nonce'), nonce);
    } finally {
      clock.rewind(10 * 60_000);
    }
  });

  test('at /userinfo, a proof without the nonce is a 401 use_dpop_nonce challenge with a DPoP-Nonce', async () => {
    const nonce = (await cc(await dpopProof(key, { htm: 'POST', htu: tokenUrl() }))).headers.get(
      'dpop-nonce',
    );
    const issued = await cc(await dpopProof(key, { htm: 'POST', htu: tokenUrl(), nonce }));
    const token = issued.body.access_token as string;
    const url = `${provider.url}/userinfo`;
    const res = await fetch(url, {
      headers: {
        authorization: `DPoP ${token}`,
        dpop: await dpopProof(key, { htm: 'GET', htu: url, ath: ath(token) }),
      },
    });
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), {
      error: 'use_dpop_nonce',
      error_description: 'The DPoP proof must carry the server nonce',
    });
    assert.equal(
      res.headers.get('www-authenticate'),
      `DPoP error="use_dpop_nonce", error_description="The DPoP proof must carry the server nonce", algs="${ALGS}"`,
    );
    assert.equal(res.headers.get('dpop-nonce'), nonce);
  });

  test('DPOP_PROOF_WINDOW: a proof 20 s old is refused with a 10 s window', async () => {
    const nonce = (await cc(await dpopProof(key, { htm: 'POST', htu: tokenUrl() }))).headers.get(
      'dpop-nonce',
    );
    const old = await cc(
      await dpopProof(key, {
        htm: 'POST',
        htu: tokenUrl(),
        nonce,
        iat: Math.floor(Date.now() / 1000) - 20,
      }),
    );
    assert.deepEqual(old.body, {
      error: 'invalid_dpop_proof',
      error_description: 'The DPoP proof iat is too far from the current time',
    });
  });
});
