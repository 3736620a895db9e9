import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { DataSource } from 'typeorm';
import { Client } from '../src/clients/client.entity.js';
import { ClientsService } from '../src/clients/clients.service.js';
import { validateClientMetadata } from '../src/clients/client-metadata.validator.js';
import { UsersService } from '../src/users/users.service.js';
import { Browser } from './support/browser.js';
import { basicAuth, postForm } from './support/clients.js';
import {
  createStorage,
  startProvider,
  target,
  type RunningProvider,
  type Storage,
} from './support/provider.js';
import { finishFlow, startFlow } from './support/sign-in.js';

const INITIAL_TOKEN = 'initial-access-token-for-tests-0123456789abcdef';

interface JsonResponse {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

async function call(
  url: string,
  init: {
    method?: string;
    body?: unknown;
    raw?: string;
    token?: string;
    type?: string;
    forwardedFor?: string;
  } = {},
): Promise<JsonResponse> {
  const headers: Record<string, string> = {};
  if (init.forwardedFor !== undefined) headers['x-forwarded-for'] = init.forwardedFor;
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined || init.raw !== undefined)
    headers['content-type'] = init.type ?? 'application/json';
  const res = await fetch(url, {
    method: init.method ?? 'POST',
    headers,
    body: init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    headers: res.headers,
  };
}

async function discovery(provider: RunningProvider): Promise<Record<string, unknown>> {
  const res = await fetch(`${provider.url}/.well-known/openid-configuration`);
  return (await res.json()) as Record<string, unknown>;
}

/** Serves a sector identifier document (OpenID Connect Core §8.1) on loopback. */
async function serveJson(
  documents: Record<string, unknown>,
): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const doc = documents[req.url ?? ''];
    if (doc === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe(`dynamic client registration, open, on ${target}`, { timeout: 120_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;
  let sector: { server: Server; url: string };
  let endpoint: string;
  const countClients = () => provider.app.get(DataSource).getRepository(Client).count();

  before(async () => {
    storage = await createStorage();
    provider = await startProvider({ ...storage.env, REGISTRATION_MODE: 'open' });
    endpoint = `${provider.url}/register`;
    sector = await serveJson({
      '/sector.json': ['https://a.example/cb', 'https://b.example/cb'],
      '/not-a-list.json': { redirect_uris: [] },
    });
  });
  after(async () => {
    sector?.server.close();
    await provider?.close();
    await storage?.dispose();
  });

  test('discovery advertises the registration endpoint', async () => {
    assert.equal((await discovery(provider)).registration_endpoint, endpoint);
  });

  test('a client registered through openid-client gets a token at once', async () => {
    const config = await oidc.dynamicClientRegistration(
      new URL(provider.config.issuer),
      {
        client_name: 'Billing worker',
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'billing:run',
      },
      undefined,
      { execute: [oidc.allowInsecureRequests] },
    );
    const metadata = config.clientMetadata();
    assert.equal(typeof metadata.client_secret, 'string');
    assert.ok((metadata.client_secret as string).length >= 43, '256 bits or more');
    assert.equal(metadata.client_secret_expires_at, 0);
    assert.equal(typeof metadata.registration_access_token, 'string');
    assert.equal(
      metadata.registration_client_uri,
      `${endpoint}/${config.clientMetadata().client_id}`,
    );

    const secret = metadata.client_secret as string;
    const basic = new oidc.Configuration(
      config.serverMetadata(),
      metadata.client_id,
      secret,
      oidc.ClientSecretBasic(secret),
    );
    oidc.allowInsecureRequests(basic);
    const token = await oidc.clientCredentialsGrant(basic, { scope: 'billing:run' });
    assert.equal(token.scope, 'billing:run');
    assert.ok(token.access_token);
  });

  test('end-user flow: a client registered with only redirect_uris and grant_types signs a person in with offline_access and prompt=consent, then refreshes', async () => {
    const password = 'registered and refreshed';
    const user = await provider.app.get(UsersService).create({
      username: `rita-${randomBytes(3).toString('hex')}`,
      password,
      claims: { name: 'Rita Reg', email: 'rita@example.com', email_verified: true },
      origin: 'admin',
    });
    const redirectUri = 'https://rp.example/cb';
    const config = await oidc.dynamicClientRegistration(
      new URL(provider.config.issuer),
      { redirect_uris: [redirectUri], grant_types: ['authorization_code', 'refresh_token'] },
      oidc.ClientSecretBasic(),
      { execute: [oidc.allowInsecureRequests] },
    );
    // The seed usage guide's refresh flow (idpyoidc): code, offline_access, prompt=consent.
    const flow = await startFlow(config, redirectUri, {
      scope: 'openid email offline_access',
      prompt: 'consent',
    });
    const browser = new Browser(provider.url);
    const login = await browser.get(flow.url.href);
    assert.equal(login.status, 200, login.html.slice(0, 300));
    const consent = await browser.submit(login, '/login', {
      username: user.username,
      password,
    });
    assert.match(consent.html, /Keep access while you are away/, 'offline access is asked for');
    const landed = await browser.submit(consent, '/consent', { decision: 'allow' });
    const tokens = await finishFlow(config, landed, flow);
    assert.deepEqual((tokens.scope ?? '').split(' ').sort(), ['email', 'offline_access', 'openid']);
    assert.ok(tokens.refresh_token, 'a refresh token');
    // The scope claims are in the ID token by default (Core §5.4): clients that read only it.
    const claims = tokens.claims()!;
    assert.equal(claims.email, 'rita@example.com');
    assert.equal(typeof claims.auth_time, 'number', 'auth_time is always there');

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token);
    assert.ok(refreshed.access_token);
    assert.ok(refreshed.refresh_token && refreshed.refresh_token !== tokens.refresh_token);
    assert.equal(refreshed.claims()?.sub, claims.sub);
  });

  test('an idpyoidc-style registration: a signing alg the method does not use is kept and echoed', async () => {
    const res = await call(endpoint, {
      body: {
        application_type: 'web',
        redirect_uris: ['https://rp.example/authz_cb'],
        response_types: ['code'],
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'client_secret_basic',
        token_endpoint_auth_signing_alg: 'RS256',
        id_token_signed_response_alg: 'RS256',
        post_logout_redirect_uris: ['https://rp.example/session_logout'],
        backchannel_logout_session_required: true,
        require_auth_time: true,
        response_modes: ['query', 'form_post'],
        request_object_signing_alg: 'RS256',
        contacts: ['ops@rp.example'],
      },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.token_endpoint_auth_method, 'client_secret_basic');
    assert.equal(res.body.token_endpoint_auth_signing_alg, 'RS256');
    // The secret still works with Basic, the alg changes nothing.
    const token = await postForm(
      `${provider.url}/token`,
      { grant_type: 'refresh_token', refresh_token: 'not-a-token' },
      { authorization: basicAuth(res.body.client_id as string, res.body.client_secret as string) },
    );
    assert.equal(token.status, 400);
    assert.equal(token.body.error, 'invalid_grant', 'authenticated, then the grant was refused');
  });

  test('a web client gets the documented defaults, and no operator settings', async () => {
    const res = await call(endpoint, {
      body: {
        redirect_uris: ['https://app.example/cb'],
        audience: ['https://payments.internal'],
        consent_mode: 'implicit',
        lifespans: { access_token: '30d' },
        software_version: '1.2.3',
      },
    });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const body = res.body;
    assert.deepEqual(body.grant_types, ['authorization_code']);
    assert.deepEqual(body.response_types, ['code']);
    assert.equal(body.token_endpoint_auth_method, 'client_secret_basic');
    assert.equal(body.id_token_signed_response_alg, 'RS256');
    assert.equal(body.application_type, 'web');
    for (const hidden of ['audience', 'consent_mode', 'lifespans', 'public', 'software_version']) {
      assert.equal(hidden in body, false, `${hidden} is not shown`);
    }
    const stored = await provider.app.get(ClientsService).find(body.client_id as string);
    assert.deepEqual(
      stored?.metadata.audience,
      [],
      'the registrant could not grant itself audiences',
    );
    assert.equal(stored?.metadata.consent_mode, undefined);
    assert.deepEqual(stored?.metadata.lifespans, {});
  });

  test('a public client registers with none and gets no secret', async () => {
    const res = await call(endpoint, {
      body: {
        redirect_uris: ['com.example.app:/cb'],
        application_type: 'native',
        token_endpoint_auth_method: 'none',
      },
    });
    assert.equal(res.status, 201);
    assert.equal('client_secret' in res.body, false);
  });

  test('sector_identifier_uri is fetched and must list every redirect URI', async () => {
    const ok = await call(endpoint, {
      body: {
        redirect_uris: ['https://a.example/cb', 'https://b.example/cb'],
        subject_type: 'pairwise',
        sector_identifier_uri: `${sector.url}/sector.json`,
      },
    });
    assert.equal(ok.status, 201);
    assert.equal(ok.body.subject_type, 'pairwise');
  });

  const badRegistrations: [string, () => Parameters<typeof call>[1], number, string, RegExp][] = [
    [
      'a fragment in a redirect URI',
      () => ({ body: { redirect_uris: ['https://a.example/cb#x'] } }),
      400,
      'invalid_redirect_uri',
      /redirect_uris\[0\] must not contain a fragment/,
    ],
    [
      'plain http redirect URI',
      () => ({ body: { redirect_uris: ['http://a.example/cb'] } }),
      400,
      'invalid_redirect_uri',
      /redirect_uris\[0\] must use https/,
    ],
    [
      'no redirect URI for the code grant',
      () => ({ body: { client_name: 'x' } }),
      400,
      'invalid_redirect_uri',
      /redirect_uris is required/,
    ],
    [
      'an unknown grant type',
      () => ({ body: { grant_types: ['password'] } }),
      400,
      'invalid_client_metadata',
      /grant_types\[0\]/,
    ],
    [
      'the implicit flow',
      () => ({ body: { redirect_uris: ['https://a.example/cb'], response_types: ['token'] } }),
      400,
      'invalid_client_metadata',
      /response_types/,
    ],
    [
      'an unknown auth method',
      () => ({
        body: {
          grant_types: ['client_credentials'],
          token_endpoint_auth_method: 'tls_client_auth',
        },
      }),
      400,
      'invalid_client_metadata',
      /token_endpoint_auth_method/,
    ],
    [
      'private_key_jwt without keys',
      () => ({
        body: {
          grant_types: ['client_credentials'],
          token_endpoint_auth_method: 'private_key_jwt',
        },
      }),
      400,
      'invalid_client_metadata',
      /jwks or jwks_uri/,
    ],
    [
      'a private key in jwks',
      () => ({
        body: {
          grant_types: ['client_credentials'],
          token_endpoint_auth_method: 'private_key_jwt',
          jwks: { keys: [{ kty: 'oct', k: 'AAAA' }] },
        },
      }),
      400,
      'invalid_client_metadata',
      /jwks\.keys\[0\] must be a public key/,
    ],
    [
      'an ID token alg without keys',
      () => ({
        body: { redirect_uris: ['https://a.example/cb'], id_token_signed_response_alg: 'none' },
      }),
      400,
      'invalid_client_metadata',
      /id_token_signed_response_alg/,
    ],
    [
      'a javascript: logo',
      () => ({
        body: { redirect_uris: ['https://a.example/cb'], logo_uri: 'javascript:alert(1)' },
      }),
      400,
      'invalid_client_metadata',
      /logo_uri/,
    ],
    [
      'contacts as a string',
      () => ({ body: { redirect_uris: ['https://a.example/cb'], contacts: 'a@b.c' } }),
      400,
      'invalid_client_metadata',
      /contacts/,
    ],
    [
      'a sector document missing a URI',
      () => ({
        body: {
          redirect_uris: ['https://c.example/cb'],
          subject_type: 'pairwise',
          sector_identifier_uri: `${sector.url}/sector.json`,
        },
      }),
      400,
      'invalid_client_metadata',
      /sector_identifier_uri does not list redirect_uris\[0\]/,
    ],
    [
      'a sector document that is not a list',
      () => ({
        body: {
          redirect_uris: ['https://a.example/cb'],
          sector_identifier_uri: `${sector.url}/not-a-list.json`,
        },
      }),
      400,
      'invalid_client_metadata',
      /JSON array/,
    ],
    [
      'an unreachable sector document',
      () => ({
        body: {
          redirect_uris: ['https://a.example/cb'],
          sector_identifier_uri: `${sector.url}/missing.json`,
        },
      }),
      400,
      'invalid_client_metadata',
      /sector_identifier_uri answered HTTP 404/,
    ],
    [
      'the admin scope (only an operator grants it)',
      () => ({ body: { grant_types: ['client_credentials'], scope: 'reports:read admin' } }),
      400,
      'invalid_client_metadata',
      /scope admin cannot be registered/,
    ],
    [
      'an array body',
      () => ({ body: [{ redirect_uris: ['https://a.example/cb'] }] }),
      400,
      'invalid_client_metadata',
      /JSON object/,
    ],
    [
      'malformed JSON',
      () => ({ raw: '{"redirect_uris": [' }),
      400,
      'invalid_request',
      /not valid JSON/,
    ],
    [
      'a __proto__ member',
      () => ({ raw: '{"__proto__": {"public": true}, "redirect_uris": ["https://a.example/cb"]}' }),
      400,
      'invalid_request',
      /not valid JSON/,
    ],
    [
      'a form body',
      () => ({
        raw: 'redirect_uris=https://a.example/cb',
        type: 'application/x-www-form-urlencoded',
      }),
      400,
      'invalid_request',
      /application\/json|Unsupported content type/,
    ],
    [
      'a text body',
      () => ({ raw: '{}', type: 'text/plain' }),
      400,
      'invalid_request',
      /application\/json/,
    ],
    [
      'an oversized body',
      () => ({
        body: { redirect_uris: ['https://a.example/cb'], client_name: 'x'.repeat(70_000) },
      }),
      413,
      'invalid_request',
      /too large/,
    ],
    [
      'a bad Authorization header',
      () => ({ body: { redirect_uris: ['https://a.example/cb'] }, token: '' }),
      400,
      'invalid_request',
      /Bearer/,
    ],
  ];

  for (const [name, build, status, error, description] of badRegistrations) {
    test(`refuses ${name}, writing nothing`, async () => {
      const before = await countClients();
      const res = await call(endpoint, build());
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.equal(res.body.error, error);
      assert.match(String(res.body.error_description), description);
      assert.equal(await countClients(), before);
    });
  }

  describe('RFC 7592 management', () => {
    let registered: Record<string, unknown>;
    let uri: string;
    let token: string;

    before(async () => {
      const res = await call(endpoint, {
        body: {
          client_name: 'Reports',
          redirect_uris: ['https://reports.example/cb'],
          grant_types: ['authorization_code', 'client_credentials'],
        },
      });
      assert.equal(res.status, 201);
      registered = res.body;
      uri = registered.registration_client_uri as string;
      token = registered.registration_access_token as string;
    });

    test('read answers the registered metadata, never the secret', async () => {
      const res = await call(uri, { method: 'GET', token });
      assert.equal(res.status, 200);
      assert.equal(res.body.client_id, registered.client_id);
      assert.equal(res.body.client_name, 'Reports');
      assert.equal(res.body.registration_access_token, token);
      assert.equal('client_secret' in res.body, false);
    });

    test('a wrong, missing or foreign token is 401 and says nothing of the client', async () => {
      const other = await call(endpoint, { body: { redirect_uris: ['https://o.example/cb'] } });
      for (const [bearer, header] of [
        [undefined, 'Bearer'],
        ['not-the-token', 'Bearer error="invalid_token"'],
        [other.body.registration_access_token as string, 'Bearer error="invalid_token"'],
      ] as const) {
        const res = await call(uri, { method: 'GET', token: bearer });
        assert.equal(res.status, 401);
        assert.equal(res.body.error, 'invalid_token');
        assert.equal(res.headers.get('www-authenticate'), header);
      }
      const unknown = await call(`${endpoint}/no-such-client`, { method: 'GET', token });
      assert.equal(unknown.status, 401, 'an unknown client looks like a wrong token');
    });

    test('update replaces the metadata and keeps what the operator set', async () => {
      const clients = provider.app.get(ClientsService);
      const id = registered.client_id as string;
      const current = (await clients.find(id))!.metadata;
      await clients.update(id, { ...current, audience: ['https://reports.internal'] });

      // Echoing the whole response back, management members included, is tolerated.
      const echo = registered;
      const res = await call(uri, {
        method: 'PUT',
        token,
        body: { ...echo, client_name: 'Reports v2', redirect_uris: ['https://reports.example/v2'] },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.client_name, 'Reports v2');
      assert.deepEqual(res.body.redirect_uris, ['https://reports.example/v2']);
      const stored = (await clients.find(id))!.metadata;
      assert.deepEqual(stored.audience, ['https://reports.internal']);

      const stillWorks = await postForm(
        `${provider.url}/token`,
        { grant_type: 'client_credentials' },
        { authorization: basicAuth(id, registered.client_secret as string) },
      );
      assert.equal(stillWorks.status, 200, 'the secret survives an update');
    });

    test('update refuses a different client_id, a wrong secret and bad metadata', async () => {
      const id = registered.client_id as string;
      for (const [body, pattern] of [
        [{ redirect_uris: ['https://r.example/cb'] }, /client_id must be given/],
        [{ client_id: 'someone-else', redirect_uris: ['https://r.example/cb'] }, /client_id/],
        [
          { client_id: id, client_secret: 'guess', redirect_uris: ['https://r.example/cb'] },
          /client_secret does not match/,
        ],
        [{ client_id: id, redirect_uris: ['http://r.example/cb'] }, /must use https/],
        [
          { client_id: id, redirect_uris: ['https://r.example/cb'], scope: 'openid admin' },
          /scope admin cannot be registered/,
        ],
      ] as const) {
        const res = await call(uri, { method: 'PUT', token, body });
        assert.equal(res.status, 400);
        assert.match(String(res.body.error_description), pattern);
      }
      const read = await call(uri, { method: 'GET', token });
      assert.equal(read.body.client_name, 'Reports v2', 'nothing was written');
    });

    test('delete removes the client: its token and its secret stop working', async () => {
      const id = registered.client_id as string;
      const res = await call(uri, { method: 'DELETE', token });
      assert.equal(res.status, 204);
      assert.equal((await call(uri, { method: 'GET', token })).status, 401);
      const refused = await postForm(
        `${provider.url}/token`,
        { grant_type: 'client_credentials' },
        { authorization: basicAuth(id, registered.client_secret as string) },
      );
      assert.equal(refused.status, 401);
      assert.equal(refused.body.error, 'invalid_client');
    });

    test('a client not registered dynamically cannot be managed here', async () => {
      const { client } = await provider.app.get(ClientsService).create({
        metadata: validateClientMetadata({ grant_types: ['client_credentials'] }, 'admin'),
        origin: 'admin',
      });
      const res = await call(`${endpoint}/${client.clientId}`, { method: 'GET', token });
      assert.equal(res.status, 401);
    });
  });
});

describe(`registration with initial access tokens on ${target}`, { timeout: 60_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;

  before(async () => {
    storage = await createStorage();
    provider = await startProvider({
      ...storage.env,
      REGISTRATION_MODE: 'initial_access_token',
      REGISTRATION_INITIAL_ACCESS_TOKENS: `another-token-of-enough-length-000000,${INITIAL_TOKEN}`,
    });
  });
  after(async () => {
    await provider?.close();
    await storage?.dispose();
  });

  test('without a token: 401 with a bare Bearer challenge', async () => {
    const res = await call(`${provider.url}/register`, {
      body: { redirect_uris: ['https://a.example/cb'] },
    });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer');
  });

  test('a wrong token: 401 invalid_token', async () => {
    const res = await call(`${provider.url}/register`, {
      body: { redirect_uris: ['https://a.example/cb'] },
      token: `${INITIAL_TOKEN}x`,
    });
    assert.equal(res.status, 401);
    assert.equal(res.body.error, 'invalid_token');
  });

  test('openid-client registers with the token', async () => {
    const config = await oidc.dynamicClientRegistration(
      new URL(provider.config.issuer),
      { redirect_uris: ['https://a.example/cb'] },
      undefined,
      { initialAccessToken: INITIAL_TOKEN, execute: [oidc.allowInsecureRequests] },
    );
    assert.ok(config.clientMetadata().client_id);
    assert.equal(
      (await discovery(provider)).registration_endpoint,
      `${provider.config.issuer}/register`,
    );
  });
});

describe(`registration off on ${target}`, { timeout: 60_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;

  before(async () => {
    storage = await createStorage();
    provider = await startProvider(storage.env);
  });
  after(async () => {
    await provider?.close();
    await storage?.dispose();
  });

  test('no endpoint and nothing advertised (the default)', async () => {
    const res = await call(`${provider.url}/register`, {
      body: { redirect_uris: ['https://a.example/cb'] },
    });
    assert.equal(res.status, 404);
    assert.equal(res.body.error, 'not_found');
    assert.equal('registration_endpoint' in (await discovery(provider)), false);
  });
});

describe(
  `open registration is limited per client address on ${target}`,
  { timeout: 60_000 },
  () => {
    let storage: Storage;
    let provider: RunningProvider;
    const countClients = () => provider.app.get(DataSource).getRepository(Client).count();

    before(async () => {
      storage = await createStorage();
      provider = await startProvider({
        ...storage.env,
        REGISTRATION_MODE: 'open',
        REGISTRATION_ADDRESS_MAX: '2',
        REGISTRATION_ADDRESS_WINDOW: '10m',
        TRUST_PROXY: 'loopback',
      });
    });
    after(async () => {
      await provider?.close();
      await storage?.dispose();
    });

    const register = (
      forwardedFor: string,
      body: unknown = { redirect_uris: ['https://a.example/cb'] },
    ) => call(`${provider.url}/register`, { body, forwardedFor });

    test('past the limit: 429 with Retry-After and nothing written; invalid requests do not count; other addresses are not affected', async () => {
      const spammer = '203.0.113.50';
      const invalid = await register(spammer, { redirect_uris: ['not a uri'] });
      assert.equal(invalid.status, 400, 'refused for its metadata');
      for (let i = 0; i < 2; i++) assert.equal((await register(spammer)).status, 201);
      const before = await countClients();
      const refused = await register(spammer);
      assert.equal(refused.status, 429);
      assert.equal(refused.body.error, 'invalid_request');
      assert.match(String(refused.body.error_description), /Too many registrations/);
      assert.equal(refused.headers.get('retry-after'), '600');
      assert.equal(await countClients(), before, 'no client was created');
      assert.equal((await register('198.51.100.9')).status, 201, 'another address registers');
    });

    test('requests that make the provider fetch a sector document count, whatever it says', async () => {
      const prober = '203.0.113.51';
      const probe = {
        redirect_uris: ['https://a.example/cb'],
        sector_identifier_uri: 'http://127.0.0.1:9/sector.json', // nothing listens there
      };
      for (let i = 0; i < 2; i++) {
        const res = await register(prober, probe);
        assert.equal(res.status, 400, 'the sector document cannot be fetched');
        assert.equal(res.body.error, 'invalid_client_metadata');
      }
      assert.equal((await register(prober, probe)).status, 429, 'no more fetches for it');
    });
  },
);
