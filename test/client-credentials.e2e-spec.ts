import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  SignJWT,
  type CryptoKey,
} from 'jose';
import * as oidc from 'openid-client';
import { createResourceServer } from '../examples/resource-server.js';
import { basicAuth, postForm, registerClient } from './support/clients.js';
import { MovableClock } from './support/clock.js';
import {
  createStorage,
  startProvider,
  target,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

const ORDERS = 'https://orders.example';

describe(`client_credentials for microservices on ${target}`, { timeout: 120_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;
  let resourceServer: Server;
  let resourceUrl: string;
  const clients: Record<string, { clientId: string; secret?: string }> = {};
  let clientKey: CryptoKey;
  let strangerKey: CryptoKey;
  /** The provider's: tests move it past lifespans and overlaps instead of sleeping. */
  const clock = new MovableClock();

  before(async () => {
    storage = await createStorage();
    provider = await startProvider(storage.env, { clock });
    const common = {
      grant_types: ['client_credentials'],
      scope: 'orders:read orders:write',
      audience: [ORDERS],
    };
    clients.basic = await registerClient(provider.app, {
      ...common,
      token_endpoint_auth_method: 'client_secret_basic',
    });
    clients.post = await registerClient(provider.app, {
      ...common,
      token_endpoint_auth_method: 'client_secret_post',
    });
    clients.hmac = await registerClient(provider.app, {
      ...common,
      token_endpoint_auth_method: 'client_secret_jwt',
    });
    const pair = await generateKeyPair('ES256');
    clientKey = pair.privateKey;
    strangerKey = (await generateKeyPair('ES256')).privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    clients.pkjwt = await registerClient(provider.app, {
      ...common,
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks: { keys: [jwk] },
    });
    clients.other = await registerClient(provider.app, {
      ...common,
      token_endpoint_auth_method: 'client_secret_basic',
    });
    clients.shortLived = await registerClient(provider.app, {
      ...common,
      lifespans: { access_token: '1s' },
    });

    resourceServer = createResourceServer({
      issuer: provider.config.issuer,
      audience: ORDERS,
      requiredScope: 'orders:read',
    });
    await new Promise<void>((resolve) => resourceServer.listen(0, '127.0.0.1', resolve));
    resourceUrl = `http://127.0.0.1:${(resourceServer.address() as AddressInfo).port}/orders`;
  });
  after(async () => {
    resourceServer?.close();
    await provider?.close();
    await storage?.dispose();
  });

  async function configFor(name: string): Promise<oidc.Configuration> {
    const { clientId, secret } = clients[name];
    const auth =
      name === 'post'
        ? oidc.ClientSecretPost(secret)
        : name === 'hmac'
          ? oidc.ClientSecretJwt(secret)
          : name === 'pkjwt'
            ? oidc.PrivateKeyJwt({ key: clientKey, kid: 'k1' })
            : oidc.ClientSecretBasic(secret);
    return oidc.discovery(new URL(provider.config.issuer), clientId, undefined, auth, {
      execute: [oidc.allowInsecureRequests],
    });
  }

  const callOrders = (token: string) =>
    fetch(resourceUrl, { headers: { authorization: `Bearer ${token}` } }).then(async (r) => ({
      status: r.status,
      body: (await r.json()) as Record<string, unknown>,
    }));

  for (const name of ['basic', 'post', 'hmac', 'pkjwt']) {
    test(`openid-client obtains a token with ${name === 'hmac' ? 'client_secret_jwt' : name === 'pkjwt' ? 'private_key_jwt' : `client_secret_${name}`}; it is an RFC 9068 JWT`, async () => {
      const config = await configFor(name);
      const response = await oidc.clientCredentialsGrant(config, {
        scope: 'orders:read',
        resource: ORDERS,
      });
      assert.equal(response.token_type.toLowerCase(), 'bearer');
      assert.equal(response.expires_in, 3600);
      assert.equal(response.scope, 'orders:read');

      const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));
      const { payload, protectedHeader } = await jwtVerify(response.access_token, jwks, {
        issuer: provider.config.issuer,
        audience: ORDERS,
        typ: 'at+jwt',
      });
      assert.equal(protectedHeader.typ, 'at+jwt');
      assert.equal(protectedHeader.alg, 'RS256');
      assert.ok(protectedHeader.kid);
      const { clientId } = clients[name];
      assert.equal(payload.sub, clientId);
      assert.equal(payload.client_id, clientId);
      assert.equal(payload.aud, ORDERS);
      assert.equal(payload.scope, 'orders:read');
      assert.ok(
        typeof payload.jti === 'string' && Buffer.from(payload.jti, 'base64url').length >= 16,
        '128 random bits',
      );
      assert.equal(payload.exp! - payload.iat!, 3600);

      const orders = await callOrders(response.access_token);
      assert.deepEqual(orders, {
        status: 200,
        body: { client_id: clientId, sub: clientId, scope: 'orders:read' },
      });
    });
  }

  test('the token response says no-store, and the scope defaults to what the client may have', async () => {
    const { clientId, secret } = clients.basic;
    const res = await postForm(
      `${provider.url}/token`,
      { grant_type: 'client_credentials' },
      { authorization: basicAuth(clientId, secret!) },
    );
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(res.headers.get('pragma'), 'no-cache');
    assert.equal(res.body.scope, 'orders:read orders:write');
  });

  test('the resource server refuses a tampered, an expired and a foreign token', async () => {
    const good = await oidc.clientCredentialsGrant(await configFor('basic'), {
      scope: 'orders:read',
    });
    const [h, p, s] = good.access_token.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const tampered = [
      h,
      Buffer.from(JSON.stringify({ ...claims, scope: 'orders:read orders:admin' })).toString(
        'base64url',
      ),
      s,
    ].join('.');
    assert.equal((await callOrders(tampered)).status, 401);

    const { clientId, secret } = clients.shortLived;
    // Issued 2.1 s ago: the resource server reads the real time, not the provider's clock.
    clock.rewind(2_100);
    const short = await postForm(
      `${provider.url}/token`,
      { grant_type: 'client_credentials', scope: 'orders:read' },
      { authorization: basicAuth(clientId, secret!) },
    ).finally(() => clock.advance(2_100));
    assert.equal(short.body.expires_in, 1);
    assert.deepEqual(await callOrders(short.body.access_token as string), {
      status: 401,
      body: { error: 'invalid_token', error_description: 'The access token expired' },
    });

    const foreign = await new SignJWT({ ...claims })
      .setProtectedHeader({
        alg: 'ES256',
        typ: 'at+jwt',
        kid: decodeProtectedHeader(good.access_token).kid,
      })
      .sign(strangerKey);
    assert.equal((await callOrders(foreign)).status, 401);
    const noScope = await oidc.clientCredentialsGrant(await configFor('basic'), {
      scope: 'orders:write',
    });
    assert.equal((await callOrders(noScope.access_token)).status, 403);
  });

  test('introspection reports claims; revocation by its client makes it inactive; another client cannot revoke it', async () => {
    const config = await configFor('basic');
    const { access_token } = await oidc.clientCredentialsGrant(config, { scope: 'orders:read' });
    const active = await oidc.tokenIntrospection(config, access_token, {
      token_type_hint: 'refresh_token',
    });
    assert.equal(active.active, true);
    assert.equal(active.client_id, clients.basic.clientId);
    assert.equal(active.scope, 'orders:read');
    assert.equal(active.token_type, 'Bearer');
    assert.equal(active.iss, provider.config.issuer);

    const other = clients.other;
    const refused = await postForm(
      `${provider.url}/revoke`,
      { token: access_token },
      { authorization: basicAuth(other.clientId, other.secret!) },
    );
    assert.deepEqual(
      { status: refused.status, body: refused.body },
      {
        status: 400,
        body: {
          error: 'unauthorized_client',
          error_description: 'The token was not issued to this client',
        },
      },
    );
    assert.equal((await oidc.tokenIntrospection(config, access_token)).active, true);

    await oidc.tokenRevocation(config, access_token);
    assert.deepEqual(await oidc.tokenIntrospection(config, access_token), { active: false });
    // Unknown and garbage tokens: 200 at /revoke (RFC 7009 §2.2), inactive at /introspect.
    await oidc.tokenRevocation(config, 'not-a-token');
    for (const token of ['not-a-token', 'a.b.c', access_token + 'x']) {
      assert.deepEqual(await oidc.tokenIntrospection(config, token), { active: false });
    }
  });

  test('secret rotation with an overlap: both secrets work inside it, only the new one after', async () => {
    const { clientId, secret: old } = await registerClient(provider.app, {
      grant_types: ['client_credentials'],
      scope: 'orders:read',
    });
    const { ClientsService } = await import('../src/clients/clients.service.js');
    const { secret: fresh } = (await provider.app
      .get(ClientsService)
      .rotateSecret(clientId, 1_500))!;
    const token = (secret: string) =>
      postForm(
        `${provider.url}/token`,
        { grant_type: 'client_credentials' },
        { authorization: basicAuth(clientId, secret) },
      ).then((r) => r.status);
    assert.equal(await token(old!), 200);
    assert.equal(await token(fresh), 200);
    clock.advance(1_700);
    assert.equal(await token(old!), 401);
    assert.equal(await token(fresh), 200);
  });

  describe('bad requests: the exact error and status, never a 5xx', () => {
    const assertion = (claims: Record<string, unknown>, key?: CryptoKey, alg = 'ES256') =>
      new SignJWT({
        iss: clients.pkjwt.clientId,
        sub: clients.pkjwt.clientId,
        aud: provider.config.issuer,
        jti: randomUUID(),
        ...claims,
      })
        .setProtectedHeader({ alg, kid: 'k1' })
        .setIssuedAt()
        .setExpirationTime((claims.exp as number | undefined) ?? '1m')
        .sign(key ?? clientKey);
    const assertionBody = async (claims: Record<string, unknown>, key?: CryptoKey) => ({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await assertion(claims, key),
    });

    interface BadRequest {
      body: string | Record<string, string>;
      headers?: Record<string, string>;
      method?: string;
      raw?: string;
    }
    type Case = [string, () => BadRequest | Promise<BadRequest>, number, Record<string, string>];
    const basic = () => basicAuth(clients.basic.clientId, clients.basic.secret!);
    const cases: Case[] = [
      [
        'a wrong secret',
        () => ({
          body: { grant_type: 'client_credentials' },
          headers: { authorization: basicAuth(clients.basic.clientId, 'wrong-secret') },
        }),
        401,
        { error: 'invalid_client', error_description: 'Client authentication failed' },
      ],
      [
        'an unknown client',
        () => ({
          body: { grant_type: 'client_credentials' },
          headers: { authorization: basicAuth('no-such-client', 'x') },
        }),
        401,
        { error: 'invalid_client', error_description: 'Client authentication failed' },
      ],
      [
        'two methods at once',
        () => ({
          body: {
            grant_type: 'client_credentials',
            client_id: clients.basic.clientId,
            client_secret: clients.basic.secret!,
          },
          headers: { authorization: basic() },
        }),
        401,
        {
          error: 'invalid_client',
          error_description:
            'Use one client authentication method, not client_secret_basic and client_secret_post',
        },
      ],
      [
        'no authentication at all',
        () => ({ body: { grant_type: 'client_credentials' } }),
        401,
        { error: 'invalid_client', error_description: 'Client authentication is required' },
      ],
      [
        'a method the client is not registered for',
        () => ({
          body: {
            grant_type: 'client_credentials',
            client_id: clients.basic.clientId,
            client_secret: clients.basic.secret!,
          },
        }),
        401,
        { error: 'invalid_client', error_description: 'Client authentication failed' },
      ],
      [
        'an expired assertion',
        async () => ({ body: await assertionBody({ exp: Math.floor(Date.now() / 1000) - 60 }) }),
        401,
        { error: 'invalid_client', error_description: 'Client authentication failed' },
      ],
      [
        'an assertion with a wrong aud',
        async () => ({ body: await assertionBody({ aud: 'https://elsewhere.example/token' }) }),
        401,
        { error: 'invalid_client', error_description: 'Client authentication failed' },
      ],
      [
        'an assertion valid for too long',
        async () => ({ body: await assertionBody({ exp: Math.floor(Date.now() / 1000) + 7200 }) }),
        401,
        { error: 'invalid_client', error_description: 'Client authentication failed' },
      ],
      [
        'an assertion signed by an unregistered key',
        async () => ({ body: await assertionBody({}, strangerKey) }),
        401,
        { error: 'invalid_client', error_description: 'Client authentication failed' },
      ],
      [
        'an assertion that is no JWT',
        () => ({
          body: {
            grant_type: 'client_credentials',
            client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
            client_assertion: 'garbage',
          },
        }),
        401,
        { error: 'invalid_client', error_description: 'client_assertion is not a JWT' },
      ],
      [
        'a malformed Basic header',
        () => ({
          body: { grant_type: 'client_credentials' },
          headers: { authorization: 'Basic !!!' },
        }),
        401,
        { error: 'invalid_client', error_description: 'Malformed Basic credentials' },
      ],
      [
        'an unsupported grant_type',
        () => ({ body: { grant_type: 'password' }, headers: { authorization: basic() } }),
        400,
        {
          error: 'unsupported_grant_type',
          error_description: 'grant_type password is not supported',
        },
      ],
      [
        'no grant_type',
        () => ({ body: { scope: 'orders:read' }, headers: { authorization: basic() } }),
        400,
        { error: 'invalid_request', error_description: 'grant_type is required' },
      ],
      [
        'a scope the client may not have',
        () => ({
          body: { grant_type: 'client_credentials', scope: 'orders:admin' },
          headers: { authorization: basic() },
        }),
        400,
        {
          error: 'invalid_scope',
          error_description: 'This client may not request the scope orders:admin',
        },
      ],
      [
        'openid in client_credentials',
        () => ({
          body: { grant_type: 'client_credentials', scope: 'openid' },
          headers: { authorization: basic() },
        }),
        400,
        {
          error: 'invalid_scope',
          error_description: 'openid is for end-user sign-in, not for client_credentials',
        },
      ],
      [
        'a resource the client may not have',
        () => ({
          body: { grant_type: 'client_credentials', resource: 'https://billing.example' },
          headers: { authorization: basic() },
        }),
        400,
        {
          error: 'invalid_target',
          error_description: 'This client may not request a token for https://billing.example',
        },
      ],
      [
        'a resource with a fragment',
        () => ({
          body: { grant_type: 'client_credentials', resource: 'https://orders.example#x' },
          headers: { authorization: basic() },
        }),
        400,
        {
          error: 'invalid_target',
          error_description: 'resource must be an absolute URI without a fragment',
        },
      ],
      [
        'a JSON body',
        () => ({
          raw: JSON.stringify({ grant_type: 'client_credentials' }),
          body: '',
          headers: { authorization: basic(), 'content-type': 'application/json' },
        }),
        400,
        {
          error: 'invalid_request',
          error_description: 'The request body must be application/x-www-form-urlencoded',
        },
      ],
      [
        'a repeated parameter',
        () => ({
          body: 'grant_type=client_credentials&scope=orders:read&scope=orders:write',
          headers: { authorization: basic() },
        }),
        400,
        { error: 'invalid_request', error_description: 'Parameter scope is repeated' },
      ],
      [
        'an oversized body',
        () => ({
          body: `grant_type=client_credentials&pad=${'x'.repeat(70_000)}`,
          headers: { authorization: basic() },
        }),
        413,
        { error: 'invalid_request', error_description: 'Request body is too large' },
      ],
    ];
    for (const [name, build, status, body] of cases) {
      test(name, async () => {
        const request = await build();
        const res = request.raw
          ? await fetch(`${provider.url}/token`, {
              method: 'POST',
              headers: request.headers,
              body: request.raw,
            }).then(async (r) => ({
              status: r.status,
              body: (await r.json()) as Record<string, unknown>,
              headers: r.headers,
            }))
          : await postForm(`${provider.url}/token`, request.body, request.headers);
        assert.deepEqual({ status: res.status, body: res.body }, { status, body });
        if (request.headers?.authorization?.startsWith('Basic') && status === 401) {
          assert.equal(res.headers.get('www-authenticate'), 'Basic realm="openid-provider"');
        }
      });
    }

    test('a replayed assertion jti', async () => {
      const body = await assertionBody({});
      assert.equal((await postForm(`${provider.url}/token`, body)).status, 200);
      const replay = await postForm(`${provider.url}/token`, body);
      assert.deepEqual(
        { status: replay.status, body: replay.body },
        {
          status: 401,
          body: { error: 'invalid_client', error_description: 'Client authentication failed' },
        },
      );
    });

    test('GET instead of POST', async () => {
      const res = await fetch(`${provider.url}/token?grant_type=client_credentials`);
      assert.equal(res.status, 405);
      assert.equal(res.headers.get('allow'), 'POST');
      assert.deepEqual(await res.json(), {
        error: 'invalid_request',
        error_description: 'Use POST with an application/x-www-form-urlencoded body',
      });
    });
  });
});
