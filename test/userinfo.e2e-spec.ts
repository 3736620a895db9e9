import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import type { User } from '../src/users/user.entity.js';
import { UsersService } from '../src/users/users.service.js';
import { basicAuth, postForm, registerClient } from './support/clients.js';
import { CODE_REDIRECT_URI, codeGrant, mintCode, redeemCode } from './support/codes.js';
import {
  createStorage,
  startProvider,
  target,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

type Client = { clientId: string; secret?: string };

describe(`userinfo on ${target}`, { timeout: 120_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;
  let user: User;
  let web: Client;
  let signed: Client;
  let pairwise: Client;
  const userinfoUrl = () => `${provider.url}/userinfo`;

  before(async () => {
    storage = await createStorage();
    provider = await startProvider(storage.env);
    user = await provider.app.get(UsersService).create({
      username: `carol-${randomBytes(3).toString('hex')}`,
      claims: {
        name: 'Carol Danvers',
        given_name: 'Carol',
        email: 'carol@example.com',
        email_verified: true,
        phone_number: '+1 555 0100',
        address: { locality: 'Boston', country: 'US' },
      },
      groups: ['pilots'],
      origin: 'admin',
    });
    const metadata = {
      redirect_uris: [CODE_REDIRECT_URI],
      grant_types: ['authorization_code'],
      scope: 'openid profile email phone address groups',
      token_endpoint_auth_method: 'client_secret_post',
      cors_allowed_origins: ['https://spa.example.com'],
    };
    web = await registerClient(provider.app, metadata);
    signed = await registerClient(provider.app, {
      ...metadata,
      userinfo_signed_response_alg: 'ES256',
    });
    pairwise = await registerClient(provider.app, { ...metadata, subject_type: 'pairwise' });
  });
  after(async () => {
    await provider?.close();
    await storage?.dispose();
  });

  /** Tokens for `client` from a code bound to the given scope and claims request. */
  async function tokensFor(
    client: Client,
    scope: string[],
    claims: Parameters<typeof codeGrant>[2] = {},
  ): Promise<{ access_token: string; id_token?: string }> {
    const code = await mintCode(
      provider,
      codeGrant(client.clientId, user.id, { scope, ...claims }),
    );
    const res = await redeemCode(provider, client, code);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as { access_token: string; id_token?: string };
  }

  const payloadOf = (jwt: string) =>
    JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as Record<string, unknown>;

  test('openid-client reads UserInfo by GET, POST with the header and POST with the body', async () => {
    const tokens = await tokensFor(web, ['openid', 'email']);
    const sub = payloadOf(tokens.id_token!).sub as string;
    const config = await oidc.discovery(
      new URL(provider.config.issuer),
      web.clientId,
      undefined,
      oidc.ClientSecretPost(web.secret),
      { execute: [oidc.allowInsecureRequests] },
    );
    const viaLibrary = await oidc.fetchUserInfo(config, tokens.access_token, sub);
    assert.deepEqual(viaLibrary, {
      sub: user.id,
      email: 'carol@example.com',
      email_verified: true,
    });

    const header = { authorization: `Bearer ${tokens.access_token}` };
    const get = await fetch(userinfoUrl(), { headers: header });
    assert.equal(get.status, 200);
    assert.equal(get.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await get.json(), viaLibrary);

    const postHeader = await fetch(userinfoUrl(), { method: 'POST', headers: header });
    assert.deepEqual(await postHeader.json(), viaLibrary);

    const postBody = await postForm(userinfoUrl(), { access_token: tokens.access_token });
    assert.equal(postBody.status, 200);
    assert.deepEqual(postBody.body, viaLibrary);
  });

  test('claims by scope (Core §5.4) and by the claims parameter (§5.5)', async () => {
    const all = await tokensFor(web, ['openid', 'profile', 'email', 'phone', 'address', 'groups']);
    const body = (await (
      await fetch(userinfoUrl(), { headers: { authorization: `Bearer ${all.access_token}` } })
    ).json()) as Record<string, unknown>;
    assert.equal(body.name, 'Carol Danvers');
    assert.equal(body.given_name, 'Carol');
    assert.equal(body.preferred_username, user.username);
    assert.equal(typeof body.updated_at, 'number');
    assert.equal(body.phone_number, '+1 555 0100');
    assert.deepEqual(body.address, { locality: 'Boston', country: 'US' });
    assert.deepEqual(body.groups, ['pilots']);

    const only = await tokensFor(web, ['openid'], {
      claims: { userinfo: { email: { essential: true }, nickname: {} } },
    });
    const asked = (await (
      await fetch(userinfoUrl(), { headers: { authorization: `Bearer ${only.access_token}` } })
    ).json()) as Record<string, unknown>;
    assert.deepEqual(asked, { sub: user.id, email: 'carol@example.com' }, 'no nickname to give');
  });

  test('a signed answer (application/jwt) when the client registered an algorithm', async () => {
    const tokens = await tokensFor(signed, ['openid', 'email']);
    const res = await fetch(userinfoUrl(), {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/jwt/);
    const { payload, protectedHeader } = await jwtVerify(
      await res.text(),
      createRemoteJWKSet(new URL(`${provider.url}/jwks`)),
      { issuer: provider.config.issuer, audience: signed.clientId },
    );
    assert.equal(protectedHeader.alg, 'ES256');
    assert.equal(payload.sub, user.id);
    assert.equal(payload.email, 'carol@example.com');
  });

  test('a pairwise client gets the same sub as in its ID token', async () => {
    const tokens = await tokensFor(pairwise, ['openid']);
    const res = await fetch(userinfoUrl(), {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body.sub, payloadOf(tokens.id_token!).sub);
    assert.notEqual(body.sub, user.id);
  });

  test('bad, revoked, foreign and scope-less tokens: 401 invalid_token or 403, never claims', async () => {
    const tokens = await tokensFor(web, ['openid', 'email']);
    const revokedTokens = await tokensFor(web, ['openid', 'email']);
    const revoke = await postForm(`${provider.url}/revoke`, {
      token: revokedTokens.access_token,
      client_id: web.clientId,
      client_secret: web.secret!,
    });
    assert.equal(revoke.status, 200);
    const machine = await registerClient(provider.app, {
      grant_types: ['client_credentials'],
      scope: 'openid reports:read',
    });
    const clientToken = (
      await postForm(
        `${provider.url}/token`,
        { grant_type: 'client_credentials', scope: 'reports:read' },
        { authorization: basicAuth(machine.clientId, machine.secret!) },
      )
    ).body.access_token as string;
    assert.ok(clientToken);
    const noOpenid = await tokensFor(web, ['email']);

    const cases: [string, RequestInit, number, string | null][] = [
      ['no token', {}, 401, 'Bearer'],
      [
        'garbage',
        { headers: { authorization: 'Bearer garbage' } },
        401,
        'Bearer error="invalid_token"',
      ],
      [
        'a tampered token',
        { headers: { authorization: `Bearer ${tokens.access_token.slice(0, -4)}AAAA` } },
        401,
        'Bearer error="invalid_token"',
      ],
      [
        'a revoked token',
        { headers: { authorization: `Bearer ${revokedTokens.access_token}` } },
        401,
        'Bearer error="invalid_token"',
      ],
      [
        'a client token (no user)',
        { headers: { authorization: `Bearer ${clientToken}` } },
        403,
        'Bearer error="insufficient_scope", scope="openid"',
      ],
      [
        'a token without openid',
        { headers: { authorization: `Bearer ${noOpenid.access_token}` } },
        403,
        'Bearer error="insufficient_scope", scope="openid"',
      ],
      [
        'Basic instead of Bearer',
        { headers: { authorization: 'Basic dXNlcjpwYXNz' } },
        401,
        'Bearer error="invalid_token"',
      ],
      [
        'an oversized header',
        { headers: { authorization: `Bearer ${'a'.repeat(12_000)}` } },
        401,
        'Bearer error="invalid_token"',
      ],
    ];
    for (const [name, init, status, challenge] of cases) {
      const res = await fetch(userinfoUrl(), init);
      const body = (await res.json()) as Record<string, unknown>;
      assert.equal(res.status, status, `${name}: ${JSON.stringify(body)}`);
      assert.equal(res.headers.get('www-authenticate'), challenge, name);
      assert.equal(body.sub, undefined, name);
    }

    const huge = await fetch(userinfoUrl(), {
      headers: { authorization: `Bearer ${'a'.repeat(20_000)}` },
    });
    assert.equal(huge.status, 431, 'past the HTTP header limit: refused by the server itself');

    const twoWays = await fetch(userinfoUrl(), {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokens.access_token}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: `access_token=${tokens.access_token}`,
    });
    assert.equal(twoWays.status, 400, 'a token sent two ways');
    const json = await fetch(userinfoUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ access_token: tokens.access_token }),
    });
    assert.equal(json.status, 400, 'a token in a JSON body');
    const inQuery = await fetch(`${userinfoUrl()}?access_token=${tokens.access_token}`);
    assert.equal(inQuery.status, 401, 'a token in the URL is not read');
  });

  test('CORS: the claims are readable from an allowed origin only', async () => {
    const tokens = await tokensFor(web, ['openid']);
    const preflight = await fetch(userinfoUrl(), {
      method: 'OPTIONS',
      headers: {
        origin: 'https://spa.example.com',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    assert.equal(preflight.status, 204);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /authorization/);
    const allowed = await fetch(userinfoUrl(), {
      headers: {
        authorization: `Bearer ${tokens.access_token}`,
        origin: 'https://spa.example.com',
      },
    });
    assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://spa.example.com');
    const other = await fetch(userinfoUrl(), {
      headers: { authorization: `Bearer ${tokens.access_token}`, origin: 'https://evil.example' },
    });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });

  test('discovery lists the endpoint, its signing algorithms and the claims', async () => {
    const doc = (await (
      await fetch(`${provider.url}/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    assert.equal(doc.userinfo_endpoint, userinfoUrl());
    assert.ok((doc.userinfo_signing_alg_values_supported as string[]).includes('RS256'));
    for (const claim of ['sub', 'email', 'address', 'groups', 'preferred_username'])
      assert.ok((doc.claims_supported as string[]).includes(claim), claim);
  });
});
