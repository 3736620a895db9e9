import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { UsersService } from '../src/users/users.service.js';
import type { User } from '../src/users/user.entity.js';
import { ADMIN_ENV, adminToken, api } from './support/admin.js';
import { Browser } from './support/browser.js';
import { postForm, registerClient } from './support/clients.js';
import { CODE_REDIRECT_URI, codeGrant, mintCode, redeemCode } from './support/codes.js';
import { finishFlow, oauthError, startFlow } from './support/sign-in.js';
import {
  createStorage,
  startProvider,
  target,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

/** Declared in RESOURCES_FILE for every client, with its own lifespan and algorithm. */
const INVOICES = 'https://invoices.example/api';
/** Declared through the admin API for two clients. */
const REPORTS = 'https://reports.example';
/** Named in one client's audience by the operator, declared nowhere. */
const LEGACY = 'https://legacy.example';
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const PASSWORD = 'correct horse battery staple 42';

type Registered = { clientId: string; secret?: string };

describe(
  `resource servers and resource indicators (RFC 8707) on ${target}`,
  { timeout: 180_000 },
  () => {
    let storage: Storage;
    let provider: RunningProvider;
    let dir: string;
    let user: User;
    let admin: string;
    let base: string;
    let web: Registered;
    let worker: Registered;
    let stranger: Registered;
    let exchanger: Registered;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'op-resources-'));
      const file = join(dir, 'resources.yml');
      writeFileSync(
        file,
        [
          'resources:',
          `  - identifier: ${INVOICES}`,
          '    scopes: [invoices:read, invoices:write]',
          '    clients: any',
          '    access_token_lifespan: 10m',
          '    access_token_signed_response_alg: ES256',
        ].join('\n'),
      );
      storage = await createStorage();
      provider = await startProvider({
        ...storage.env,
        ...ADMIN_ENV,
        RESOURCES_FILE: file,
        REGISTRATION_MODE: 'open',
      });
      base = `${provider.url}/admin`;
      admin = await adminToken(provider);
      user = await provider.app.get(UsersService).create({
        username: `ria-${randomBytes(3).toString('hex')}`,
        password: PASSWORD,
        claims: { email: 'ria@example.com', email_verified: true },
        origin: 'admin',
      });
      web = await registerClient(provider.app, {
        redirect_uris: [CODE_REDIRECT_URI],
        grant_types: ['authorization_code', 'refresh_token'],
        scope: 'openid email offline_access invoices:read reports:read',
        token_endpoint_auth_method: 'client_secret_post',
        consent_mode: 'pre-configured',
        pre_configured_consent_duration: '1h',
      });
      worker = await registerClient(provider.app, {
        grant_types: ['client_credentials'],
        scope: 'invoices:read reports:read',
        audience: [LEGACY],
        lifespans: { access_token: '5m' },
      });
      stranger = await registerClient(provider.app, {
        grant_types: ['client_credentials'],
        scope: 'invoices:read reports:read',
      });
      exchanger = await registerClient(provider.app, {
        grant_types: ['client_credentials', TOKEN_EXCHANGE],
        scope: 'invoices:read reports:read',
        introspection_audiences: [INVOICES],
      });
      const declared = await api(`${base}/resources/${encodeURIComponent(REPORTS)}`, admin, {
        method: 'PUT',
        body: {
          scopes: ['reports:read'],
          clients: [web.clientId, worker.clientId, exchanger.clientId],
        },
      });
      assert.equal(declared.status, 201, declared.text);
    });
    after(async () => {
      await provider?.close();
      await storage?.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    const jwks = () => createRemoteJWKSet(new URL(`${provider.url}/jwks`));
    const configFor = (client: Registered, auth = oidc.ClientSecretPost(client.secret)) =>
      oidc.discovery(new URL(provider.config.issuer), client.clientId, undefined, auth, {
        execute: [oidc.allowInsecureRequests],
      });
    const credentials = () => ({ username: user.username, password: PASSWORD });
    const scopeOf = (token: string) =>
      ((decodeJwt(token).scope as string | undefined) ?? '').split(' ').sort();
    const ownToken = (client: Registered, extra: Record<string, string | string[]>) => {
      const body = new URLSearchParams({ grant_type: 'client_credentials' });
      for (const [name, value] of Object.entries(extra))
        for (const v of [value].flat()) body.append(name, v);
      return postForm(`${provider.url}/token`, body.toString(), {
        authorization: `Basic ${Buffer.from(`${client.clientId}:${client.secret}`).toString('base64')}`,
      });
    };

    /** Through the login page, and the consent page when it is shown, back to the client. */
    async function signIn(browser: Browser, url: URL) {
      let page = await browser.get(url.href);
      if (Browser.forms(page.html).some((f) => f.action.endsWith('/login')))
        page = await browser.submit(page, '/login', credentials());
      if (!page.url.startsWith(CODE_REDIRECT_URI))
        page = await browser.submit(page, '/consent', { decision: 'allow' });
      return page;
    }

    /** A code for `web`, granted for `resources`, redeemed with `extra` at /token. */
    async function codeFor(resources: string[], extra: Record<string, string> = {}) {
      const code = await mintCode(
        provider,
        codeGrant(web.clientId, user.id, {
          scope: ['openid', 'offline_access', 'invoices:read', 'reports:read'],
          resources,
        }),
      );
      return redeemCode(provider, web, code, extra);
    }

    test('the file’s resource and the admin API’s are listed, each with who owns it', async () => {
      const listed = await api(`${base}/resources`, admin);
      assert.equal(listed.status, 200, listed.text);
      const resources = listed.body.resources as Record<string, unknown>[];
      assert.deepEqual(
        resources.map((r) => [r.identifier, r.origin]),
        [
          [INVOICES, 'file'],
          [REPORTS, 'admin'],
        ],
      );
      assert.deepEqual(
        { ...resources[0], created_at: undefined, updated_at: undefined },
        {
          identifier: INVOICES,
          scopes: ['invoices:read', 'invoices:write'],
          clients: 'any',
          access_token_lifespan: 600,
          access_token_signed_response_alg: 'ES256',
          origin: 'file',
          created_at: undefined,
          updated_at: undefined,
        },
      );
      const page = await api(`${base}/resources?limit=1`, admin);
      assert.equal(page.body.next, INVOICES);
      const second = await api(
        `${base}/resources?limit=1&after=${encodeURIComponent(INVOICES)}`,
        admin,
      );
      assert.deepEqual(
        (second.body.resources as { identifier: string }[]).map((r) => r.identifier),
        [REPORTS],
      );
      assert.equal(second.body.next, undefined);
      const one = await api(`${base}/resources/${encodeURIComponent(REPORTS)}`, admin);
      assert.equal(one.status, 200);
      assert.deepEqual(one.body.clients, [web.clientId, worker.clientId, exchanger.clientId]);
    });

    test('code flow through the pages: resource at /authorize and /token sets aud, narrows scope and follows the resource’s settings', async () => {
      const config = await configFor(web);
      const browser = new Browser(provider.url);
      const flow = await startFlow(config, CODE_REDIRECT_URI, {
        scope: 'openid email offline_access invoices:read reports:read',
        resource: INVOICES,
      });
      // Two resources: openid-client's builder takes one value per parameter, so add the second.
      flow.url.searchParams.append('resource', REPORTS);
      const tokens = await finishFlow(config, await signIn(browser, flow.url), flow);
      assert.deepEqual(
        decodeJwt(tokens.access_token).aud,
        [INVOICES, REPORTS],
        'both, none asked at /token',
      );
      assert.deepEqual(scopeOf(tokens.access_token), [
        'email',
        'invoices:read',
        'offline_access',
        'openid',
        'reports:read',
      ]);
      assert.equal(tokens.expires_in, 600, "the invoices API's lifespan, the shortest");
      assert.equal(decodeProtectedHeader(tokens.access_token).alg, 'ES256');

      // RFC 8707 §2.2: a refresh for one of the resources gets a token for it alone.
      const forReports = await oidc.refreshTokenGrant(config, tokens.refresh_token!, {
        resource: REPORTS,
      });
      const reports = await jwtVerify(forReports.access_token, jwks(), {
        issuer: provider.config.issuer,
        audience: REPORTS,
        typ: 'at+jwt',
      });
      assert.equal(reports.payload.aud, REPORTS);
      assert.deepEqual(scopeOf(forReports.access_token), [
        'email',
        'offline_access',
        'openid',
        'reports:read',
      ]);
      assert.equal(
        forReports.scope?.split(' ').includes('invoices:read'),
        false,
        'the answer says so',
      );
      assert.equal(forReports.expires_in, 3600, 'the provider’s lifespan: the resource sets none');
      assert.equal(reports.protectedHeader.alg, 'RS256');

      // The family keeps the whole grant: the next refresh may ask for the other resource.
      const forInvoices = await oidc.refreshTokenGrant(config, forReports.refresh_token!, {
        resource: INVOICES,
      });
      const invoices = await jwtVerify(forInvoices.access_token, jwks(), { audience: INVOICES });
      assert.equal(invoices.payload.aud, INVOICES);
      assert.ok(scopeOf(forInvoices.access_token).includes('invoices:read'));
      assert.ok(!scopeOf(forInvoices.access_token).includes('reports:read'));
      assert.equal(forInvoices.expires_in, 600);
    });

    test('scopes of a resource only with it: asked without it at /authorize, they are not granted', async () => {
      const config = await configFor(web);
      const browser = new Browser(provider.url);
      const flow = await startFlow(config, CODE_REDIRECT_URI, {
        scope: 'openid invoices:read reports:read',
      });
      const tokens = await finishFlow(config, await signIn(browser, flow.url), flow);
      assert.equal(tokens.scope, 'openid');
      assert.equal(decodeJwt(tokens.access_token).aud, provider.config.issuer);
    });

    test('/authorize refuses a resource that is unknown or does not admit the client, back to the client', async () => {
      const config = await configFor(web);
      for (const resource of ['https://unknown.example', LEGACY]) {
        const flow = await startFlow(config, CODE_REDIRECT_URI, { resource });
        const res = await fetch(flow.url, { redirect: 'manual' });
        assert.equal(res.status, 303, resource);
        const back = new URL(res.headers.get('location')!);
        assert.equal(back.origin + back.pathname, CODE_REDIRECT_URI);
        assert.equal(back.searchParams.get('error'), 'invalid_target', resource);
        assert.equal(back.searchParams.get('state'), flow.state);
      }
    });

    test('/token: a resource not asked for at /authorize is invalid_target; one asked for is the aud', async () => {
      const narrowed = await codeFor([INVOICES, REPORTS], { resource: REPORTS });
      assert.equal(narrowed.status, 200, JSON.stringify(narrowed.body));
      assert.equal(decodeJwt(narrowed.body.access_token as string).aud, REPORTS);
      assert.equal(narrowed.body.scope, 'openid offline_access reports:read');

      const cases: [string, string[], Record<string, string>, string][] = [
        [
          'not asked at /authorize',
          [INVOICES],
          { resource: REPORTS },
          `${REPORTS} was not requested in the authorization request: ask for it there`,
        ],
        [
          'none asked, not the client’s',
          [],
          { resource: INVOICES },
          `${INVOICES} was not requested in the authorization request: ask for it there`,
        ],
        [
          'not a URI',
          [INVOICES],
          { resource: 'invoices' },
          'resource must be an absolute URI without a fragment',
        ],
        [
          'a fragment',
          [INVOICES],
          { resource: `${INVOICES}#x` },
          'resource must be an absolute URI without a fragment',
        ],
      ];
      for (const [what, granted, extra, description] of cases) {
        const res = await codeFor(granted, extra);
        assert.deepEqual(
          { status: res.status, body: res.body },
          { status: 400, body: { error: 'invalid_target', error_description: description } },
          what,
        );
      }
    });

    test('refresh: a resource the grant was not given for is refused and the refresh token still works', async () => {
      const first = await codeFor([INVOICES]);
      const refreshToken = first.body.refresh_token as string;
      const refresh = (extra: Record<string, string> = {}) =>
        postForm(`${provider.url}/token`, {
          grant_type: 'refresh_token',
          refresh_token: refreshToken,
          client_id: web.clientId,
          client_secret: web.secret!,
          ...extra,
        });
      const refused = await refresh({ resource: REPORTS });
      assert.deepEqual(
        { status: refused.status, body: refused.body },
        {
          status: 400,
          body: {
            error: 'invalid_target',
            error_description: `${REPORTS} was not requested in the authorization request: ask for it there`,
          },
        },
      );
      const unknown = await refresh({ resource: 'https://unknown.example' });
      assert.equal(unknown.body.error, 'invalid_target');
      const kept = await refresh({ resource: INVOICES });
      assert.equal(kept.status, 200, 'not used by the refusals');
      assert.equal(decodeJwt(kept.body.access_token as string).aud, INVOICES);
    });

    test('client_credentials: the resource admits the client, or the operator named it in its audience', async () => {
      const config = await configFor(worker, oidc.ClientSecretBasic(worker.secret));
      const reports = await oidc.clientCredentialsGrant(config, { resource: REPORTS });
      assert.equal(decodeJwt(reports.access_token).aud, REPORTS);
      assert.equal(reports.scope, 'reports:read', 'by default the scopes of its resources only');
      assert.equal(reports.expires_in, 300, 'the client’s own lifespan');
      const invoices = await oidc.clientCredentialsGrant(config, {
        resource: INVOICES,
        scope: 'invoices:read reports:read',
      });
      assert.equal(invoices.scope, 'invoices:read', 'a resource’s scope only with it');
      assert.equal(invoices.expires_in, 300, 'the client’s 5m within the resource’s 10m');
      const legacy = await oidc.clientCredentialsGrant(config, { resource: LEGACY });
      assert.equal(decodeJwt(legacy.access_token).aud, LEGACY);
      assert.equal(legacy.scope, undefined, 'no declared resource’s scope');
      const none = await oidc.clientCredentialsGrant(config);
      assert.equal(decodeJwt(none.access_token).aud, LEGACY, 'its registered audience by default');

      const strangerConfig = await configFor(stranger, oidc.ClientSecretBasic(stranger.secret));
      const error = await oauthError(
        oidc.clientCredentialsGrant(strangerConfig, { resource: REPORTS }),
        'a resource that does not admit the client',
      );
      assert.equal(error.error, 'invalid_target');
      assert.equal(error.status, 400);
    });

    test('client_credentials: bad targets, each with its status and body', async () => {
      const many = Array.from({ length: 21 }, (_, i) => `https://r${i}.example`);
      const cases: [string, Registered, Record<string, string | string[]>, string][] = [
        [
          'unknown',
          worker,
          { resource: 'https://unknown.example' },
          'This client may not request a token for https://unknown.example',
        ],
        [
          'not admitted',
          stranger,
          { resource: REPORTS },
          `This client may not request a token for ${REPORTS}`,
        ],
        [
          'not admitted, by audience',
          stranger,
          { audience: REPORTS },
          `This client may not request a token for ${REPORTS}`,
        ],
        [
          'one of two not admitted',
          stranger,
          { resource: [INVOICES, REPORTS] },
          `This client may not request a token for ${REPORTS}`,
        ],
        [
          'relative',
          worker,
          { resource: '/api' },
          'resource must be an absolute URI without a fragment',
        ],
        ['21 resources', worker, { resource: many }, 'At most 20 resource parameters'],
      ];
      for (const [what, client, extra, description] of cases) {
        const res = await ownToken(client, extra);
        assert.deepEqual(
          { status: res.status, body: res.body },
          { status: 400, body: { error: 'invalid_target', error_description: description } },
          what,
        );
      }
    });

    test('a dynamically registered client gets tokens for a resource declared for any client, never for one it merely names', async () => {
      const config = await oidc.dynamicClientRegistration(
        new URL(provider.config.issuer),
        {
          grant_types: ['client_credentials'],
          token_endpoint_auth_method: 'client_secret_basic',
          scope: 'invoices:read reports:read',
          // A registrant may name audiences, but a declared resource decides who it admits.
          audience: [REPORTS],
        },
        oidc.ClientSecretBasic(),
        { execute: [oidc.allowInsecureRequests] },
      );
      const invoices = await oidc.clientCredentialsGrant(config, { resource: INVOICES });
      assert.equal(decodeJwt(invoices.access_token).aud, INVOICES);
      assert.equal(invoices.scope, 'invoices:read');
      const error = await oauthError(
        oidc.clientCredentialsGrant(config, { resource: REPORTS }),
        'a declared resource that does not admit a registrant',
      );
      assert.equal(error.error, 'invalid_target');
    });

    test('token exchange: the target is checked by the same rules, and the scope follows it', async () => {
      const subject = await codeFor([INVOICES], { resource: INVOICES });
      const config = await configFor(exchanger, oidc.ClientSecretBasic(exchanger.secret));
      const exchanged = await oidc.genericGrantRequest(config, TOKEN_EXCHANGE, {
        subject_token: subject.body.access_token as string,
        subject_token_type: ACCESS_TOKEN,
        actor_token: (await ownToken(exchanger, { resource: INVOICES })).body
          .access_token as string,
        actor_token_type: ACCESS_TOKEN,
        resource: REPORTS,
      });
      assert.equal(decodeJwt(exchanged.access_token).aud, REPORTS);
      assert.equal(exchanged.scope, undefined, 'invoices:read stays with the invoices API');
      const refused = await oauthError(
        oidc.genericGrantRequest(config, TOKEN_EXCHANGE, {
          subject_token: subject.body.access_token as string,
          subject_token_type: ACCESS_TOKEN,
          actor_token: (await ownToken(exchanger, {})).body.access_token as string,
          actor_token_type: ACCESS_TOKEN,
          resource: LEGACY,
        }),
        'a target the exchanger may not ask for',
      );
      assert.equal(refused.error, 'invalid_target');
    });

    test('the admin API refuses bad declarations with 4xx and changes nothing', async () => {
      const path = (identifier: string) => `${base}/resources/${encodeURIComponent(identifier)}`;
      const NEW = 'https://new.example';
      const cases: [
        string,
        string,
        { method?: string; body?: unknown; raw?: string },
        number,
        string,
      ][] = [
        [
          'not an object',
          path(NEW),
          { method: 'PUT', body: ['x'] },
          400,
          'The body must be a JSON object',
        ],
        [
          'other identifier',
          path(NEW),
          { method: 'PUT', body: { identifier: REPORTS } },
          400,
          'identifier in the body must be the one in the path',
        ],
        [
          'relative identifier',
          path('reports'),
          { method: 'PUT', body: {} },
          400,
          'identifier must be an absolute URI without a fragment (RFC 8707 §2), at most 300 characters',
        ],
        [
          'the issuer',
          path(provider.config.issuer),
          { method: 'PUT', body: {} },
          400,
          `identifier ${provider.config.issuer} belongs to the provider itself`,
        ],
        [
          'unknown field',
          path(NEW),
          { method: 'PUT', body: { audience: 'x' } },
          400,
          'audience is not a resource field (identifier, scopes, clients, access_token_lifespan, access_token_signed_response_alg)',
        ],
        [
          'scopes not a list',
          path(NEW),
          { method: 'PUT', body: { scopes: 'a b' } },
          400,
          'scopes must be a list of at most 100 scopes',
        ],
        [
          'reserved scope',
          path(NEW),
          { method: 'PUT', body: { scopes: ['openid'] } },
          400,
          "scope openid is the provider's, not a resource's",
        ],
        [
          'clients not a list',
          path(NEW),
          { method: 'PUT', body: { clients: 'all' } },
          400,
          'clients must be any or a list of at most 1000 client ids',
        ],
        [
          'lifespan too short',
          path(NEW),
          { method: 'PUT', body: { access_token_lifespan: '10s' } },
          400,
          'access_token_lifespan must be a duration from 1m to 24h, such as 15m, or seconds',
        ],
        [
          'unknown algorithm',
          path(NEW),
          { method: 'PUT', body: { access_token_signed_response_alg: 'HS256' } },
          400,
          'access_token_signed_response_alg must be one of SIGNING_ALGS (RS256, ES256)',
        ],
        ['not JSON', path(NEW), { method: 'PUT', raw: '{"scopes":' }, 400, ''],
        [
          'the file’s',
          path(INVOICES),
          { method: 'PUT', body: {} },
          409,
          `${INVOICES} is declared in RESOURCES_FILE; change it there`,
        ],
        [
          'delete the file’s',
          path(INVOICES),
          { method: 'DELETE' },
          409,
          `${INVOICES} is declared in RESOURCES_FILE; change it there`,
        ],
        ['read unknown', path(NEW), {}, 404, `No resource server has the identifier ${NEW}`],
        [
          'delete unknown',
          path(NEW),
          { method: 'DELETE' },
          404,
          `No resource server has the identifier ${NEW}`,
        ],
        [
          'bad paging',
          `${base}/resources?limit=0`,
          {},
          400,
          'limit must be a whole number from 1 to 200',
        ],
      ];
      for (const [what, url, init, status, description] of cases) {
        const res = await api(url, admin, init);
        assert.equal(res.status, status, `${what}: ${res.text}`);
        if (description) assert.equal(res.body.error_description, description, what);
        assert.ok(!/at \S+\.js/.test(res.text), `${what}: no stack trace`);
      }
      assert.equal((await api(`${base}/resources`, undefined)).status, 401, 'no token');
      const worker = await ownToken(stranger, {});
      assert.equal(
        (await api(`${base}/resources`, worker.body.access_token as string)).status,
        403,
        'a token without the admin scope',
      );
      const listed = await api(`${base}/resources`, admin);
      assert.deepEqual(
        (listed.body.resources as { identifier: string }[]).map((r) => r.identifier),
        [INVOICES, REPORTS],
        'nothing was written',
      );
    });

    test('a declaration changed or removed through the admin API applies at once; a refresh for a removed resource ends its family', async () => {
      const TEMP = 'https://temporary.example';
      const path = `${base}/resources/${encodeURIComponent(TEMP)}`;
      const created = await api(path, admin, {
        method: 'PUT',
        body: { clients: [worker.clientId] },
      });
      assert.equal(created.status, 201, created.text);
      assert.equal((await ownToken(worker, { resource: TEMP })).status, 200);
      assert.equal((await ownToken(stranger, { resource: TEMP })).body.error, 'invalid_target');

      const replaced = await api(path, admin, {
        method: 'PUT',
        body: { identifier: TEMP, clients: 'any', access_token_lifespan: 120 },
      });
      assert.equal(replaced.status, 200, replaced.text);
      assert.equal(replaced.body.origin, 'admin');
      const now = await ownToken(stranger, { resource: TEMP });
      assert.equal(now.status, 200, 'admitted at once');
      assert.equal(now.body.expires_in, 120);

      // web may ask for it now (clients: any): a grant for it, then the resource goes away.
      const first = await codeFor([TEMP]);
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.equal((await api(path, admin, { method: 'DELETE' })).status, 204);
      assert.equal((await ownToken(stranger, { resource: TEMP })).body.error, 'invalid_target');
      const refresh = () =>
        postForm(`${provider.url}/token`, {
          grant_type: 'refresh_token',
          refresh_token: first.body.refresh_token as string,
          client_id: web.clientId,
          client_secret: web.secret!,
        });
      const gone = await refresh();
      assert.deepEqual(
        { status: gone.status, error: gone.body.error },
        { status: 400, error: 'invalid_target' },
      );
      assert.equal((await refresh()).body.error, 'invalid_grant', 'the family is over');
    });
  },
);
