import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { basicAuth, postForm, registerClient } from './support/clients.js';
import {
  createStorage,
  startProvider,
  target,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

type Client = { clientId: string; secret?: string };
const INVOICES = 'https://invoices.internal.example.com';
const JWT_TYPE = 'application/token-introspection+jwt';

/**
 * RFC 9701: a caller that asks with Accept gets the introspection answer as a JWT signed for
 * it (typ token-introspection+jwt, aud its client_id), the RFC 7662 answer inside
 * `token_introspection`; JSON otherwise, and errors stay JSON.
 */
describe(`JWT introspection answers on ${target}`, { timeout: 120_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;
  let caller: Client;
  let es256Api: Client;
  let defaultApi: Client;
  let accessToken: string;

  const introspect = (api: Client, body: Record<string, string>, accept?: string) =>
    fetch(`${provider.url}/introspect`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basicAuth(api.clientId, api.secret!),
        ...(accept !== undefined && { accept }),
      },
      body: new URLSearchParams(body).toString(),
    });

  before(async () => {
    storage = await createStorage();
    provider = await startProvider({ ...storage.env, REGISTRATION_MODE: 'open' });
    const machine = { grant_types: ['client_credentials'], scope: '' };
    caller = await registerClient(provider.app, {
      ...machine,
      scope: 'invoices:read',
      audience: [INVOICES],
    });
    es256Api = await registerClient(provider.app, {
      ...machine,
      introspection_audiences: [INVOICES],
      introspection_signed_response_alg: 'ES256',
    });
    defaultApi = await registerClient(provider.app, {
      ...machine,
      introspection_audiences: [INVOICES],
    });
    const token = await postForm(
      `${provider.url}/token`,
      { grant_type: 'client_credentials', resource: INVOICES },
      { authorization: basicAuth(caller.clientId, caller.secret!) },
    );
    assert.equal(token.status, 200);
    accessToken = token.body.access_token as string;
  });
  after(async () => {
    await provider?.close();
    await storage?.dispose();
  });

  test('openid-client asks for, verifies and unwraps the JWT of a client that registered ES256', async () => {
    const config = await oidc.discovery(
      new URL(provider.config.issuer),
      es256Api.clientId,
      { introspection_signed_response_alg: 'ES256' },
      oidc.ClientSecretBasic(es256Api.secret),
      { execute: [oidc.allowInsecureRequests] },
    );
    const answer = await oidc.tokenIntrospection(config, accessToken);
    assert.equal(answer.active, true);
    assert.equal(answer.client_id, caller.clientId);
    assert.equal(answer.scope, 'invoices:read');
    assert.equal(answer.aud, INVOICES);
  });

  test('the JWT: its type, the caller as audience, the answer only inside token_introspection', async () => {
    const res = await introspect(es256Api, { token: accessToken }, JWT_TYPE);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), JWT_TYPE);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const jwt = await res.text();
    const header = decodeProtectedHeader(jwt);
    assert.equal(header.typ, 'token-introspection+jwt');
    assert.equal(header.alg, 'ES256');
    const jwks = createRemoteJWKSet(new URL(`${provider.url}/jwks`));
    const { payload } = await jwtVerify(jwt, jwks, {
      issuer: provider.config.issuer,
      audience: es256Api.clientId,
      typ: 'token-introspection+jwt',
    });
    assert.deepEqual(Object.keys(payload).sort(), ['aud', 'iat', 'iss', 'token_introspection']);
    const inner = payload.token_introspection as Record<string, unknown>;
    assert.equal(inner.active, true);
    assert.equal(inner.client_id, caller.clientId);
    assert.equal(inner.jti, decodeJwt(accessToken).jti);
  });

  test('RS256 by default; an inactive token is a signed active: false', async () => {
    const res = await introspect(defaultApi, { token: 'not-a-token' }, JWT_TYPE);
    assert.equal(res.status, 200);
    const jwt = await res.text();
    assert.equal(decodeProtectedHeader(jwt).alg, 'RS256');
    assert.deepEqual(decodeJwt(jwt).token_introspection, { active: false });
  });

  test('Accept decides: JSON without it, for JSON or */*, and when the JWT is refused (q=0)', async () => {
    for (const accept of [
      undefined,
      'application/json',
      '*/*',
      `${JWT_TYPE};q=0, application/json`,
      'application/jwt',
    ]) {
      const res = await introspect(es256Api, { token: accessToken }, accept);
      assert.equal(res.status, 200, String(accept));
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/, String(accept));
      assert.equal(((await res.json()) as { active: boolean }).active, true);
    }
    const preferred = await introspect(
      es256Api,
      { token: accessToken },
      `application/json;q=0.5, ${JWT_TYPE}`,
    );
    assert.equal(preferred.headers.get('content-type'), JWT_TYPE);
  });

  test('errors stay JSON when a JWT was asked for', async () => {
    const missing = await introspect(es256Api, {}, JWT_TYPE);
    assert.equal(missing.status, 400);
    assert.deepEqual(await missing.json(), {
      error: 'invalid_request',
      error_description: 'token is required',
    });
    const wrongSecret = await fetch(`${provider.url}/introspect`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basicAuth(es256Api.clientId, 'wrong-secret'),
        accept: JWT_TYPE,
      },
      body: new URLSearchParams({ token: accessToken }).toString(),
    });
    assert.equal(wrongSecret.status, 401);
    assert.equal(((await wrongSecret.json()) as { error: string }).error, 'invalid_client');
  });

  test('discovery lists the signing algorithms; bad client metadata is refused', async () => {
    const metadata = (await (
      await fetch(`${provider.url}/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    assert.deepEqual(
      metadata.introspection_signing_alg_values_supported,
      provider.config.keys.algorithms,
    );
    assert.equal(metadata.introspection_encryption_alg_values_supported, undefined);

    const register = (extra: Record<string, unknown>) =>
      fetch(`${provider.url}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          grant_types: ['client_credentials'],
          token_endpoint_auth_method: 'client_secret_basic',
          ...extra,
        }),
      });
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ introspection_signed_response_alg: 'HS256' }, /introspection_signed_response_alg/],
      [{ introspection_signed_response_alg: 'PS256' }, /introspection_signed_response_alg/],
      [{ introspection_signed_response_alg: 42 }, /introspection_signed_response_alg/],
      [{ introspection_encrypted_response_alg: 'RSA-OAEP-256' }, /not supported/],
      [{ introspection_encrypted_response_enc: 'A256GCM' }, /not supported/],
    ];
    for (const [extra, description] of cases) {
      const res = await register(extra);
      assert.equal(res.status, 400, JSON.stringify(extra));
      const body = (await res.json()) as { error: string; error_description: string };
      assert.equal(body.error, 'invalid_client_metadata', JSON.stringify(extra));
      assert.match(body.error_description, description, JSON.stringify(extra));
    }
    const accepted = await register({ introspection_signed_response_alg: 'ES256' });
    assert.equal(accepted.status, 201);
    assert.equal(
      ((await accepted.json()) as Record<string, unknown>).introspection_signed_response_alg,
      'ES256',
    );
  });
});
