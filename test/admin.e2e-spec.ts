import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { decodeProtectedHeader } from 'jose';
import { DataSource } from 'typeorm';
import { Client } from '../src/clients/client.entity.js';
import { ADMIN_ENV, adminToken, api } from './support/admin.js';
import { basicAuth, postForm } from './support/clients.js';
import { MovableClock } from './support/clock.js';
import {
  createStorage,
  getJwks,
  startProvider,
  target,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

const { ADMIN_CLIENT_ID: ADMIN_ID, ADMIN_CLIENT_SECRET: ADMIN_SECRET } = ADMIN_ENV;

describe(`admin API on ${target}`, { timeout: 120_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;
  let token: string;
  let base: string;
  /** The provider's: tests move it past lifespans and overlaps instead of sleeping. */
  const clock = new MovableClock();
  const count = () => provider.app.get(DataSource).getRepository(Client).count();

  before(async () => {
    storage = await createStorage();
    provider = await startProvider({ ...storage.env, ...ADMIN_ENV }, { clock });
    base = `${provider.url}/admin`;
    token = await adminToken(provider);
  });
  after(async () => {
    await provider?.close();
    await storage?.dispose();
  });

  test('docs/integration-microservices.md, as written: both services registered, a token, introspected by the called one, revoked', async () => {
    const guide = readFileSync(
      new URL('../../docs/integration-microservices.md', import.meta.url),
      'utf8',
    );
    // The admin API bodies of the guide, exactly as a reader pastes them.
    const bodies = [...guide.matchAll(/admin\/clients[^\n]*\n[^\n]*-d '(\{[\s\S]*?\})'/g)].map(
      (m) => JSON.parse(m[1]) as { client_id: string; scope: string },
    );
    assert.deepEqual(
      bodies.map((b) => b.client_id),
      ['billing-worker', 'invoices-api'],
      'the guide registers the caller and the called service',
    );
    const secrets: Record<string, string> = {};
    for (const body of bodies) {
      const created = await api(`${base}/clients`, token, { method: 'POST', body });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      secrets[body.client_id] = created.body.client_secret as string;
    }
    const issued = await postForm(
      `${provider.url}/token`,
      {
        grant_type: 'client_credentials',
        scope: 'invoices:read',
        resource: 'https://invoices.internal.example.com',
      },
      { authorization: basicAuth('billing-worker', secrets['billing-worker']) },
    );
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    const introspect = () =>
      postForm(
        `${provider.url}/introspect`,
        { token: issued.body.access_token as string },
        { authorization: basicAuth('invoices-api', secrets['invoices-api']) },
      );
    const active = await introspect();
    assert.equal(active.body.active, true);
    assert.equal(active.body.client_id, 'billing-worker');
    assert.equal(active.body.scope, 'invoices:read');
    const revoked = await postForm(
      `${provider.url}/revoke`,
      { token: issued.body.access_token as string },
      { authorization: basicAuth('billing-worker', secrets['billing-worker']) },
    );
    assert.equal(revoked.status, 200);
    assert.deepEqual((await introspect()).body, { active: false });
  });

  test('no token: 401 with a bare Bearer challenge', async () => {
    const res = await api(`${base}/clients`, undefined);
    assert.equal(res.status, 401);
    assert.equal(res.body.error, 'invalid_token');
    assert.equal(res.headers.get('www-authenticate'), 'Bearer');
  });

  test('a garbage, malformed or foreign token: 401 invalid_token', async () => {
    const foreign =
      'eyJ0eXAiOiJhdCtqd3QiLCJhbGciOiJIUzI1NiJ9.eyJzY29wZSI6ImFkbWluIiwiZXhwIjo5OTk5OTk5OTk5fQ.c2lnbmF0dXJl';
    for (const bad of ['garbage', foreign, 'a b']) {
      const res = await api(`${base}/clients`, bad);
      assert.equal(res.status, 401, bad);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
    }
    const basic = await fetch(`${base}/clients`, {
      headers: { authorization: basicAuth(ADMIN_ID, ADMIN_SECRET) },
    });
    assert.equal(basic.status, 401, 'client credentials are not an access token');
  });

  test('a token without the admin scope: 403 insufficient_scope', async () => {
    const created = await api(`${base}/clients`, token, {
      method: 'POST',
      body: { grant_types: ['client_credentials'], scope: 'reports:read' },
    });
    assert.equal(created.status, 201);
    const other = await postForm(
      `${provider.url}/token`,
      { grant_type: 'client_credentials' },
      {
        authorization: basicAuth(
          created.body.client_id as string,
          created.body.client_secret as string,
        ),
      },
    );
    const res = await api(`${base}/clients`, other.body.access_token as string);
    assert.equal(res.status, 403);
    assert.equal(res.body.error, 'insufficient_scope');
    assert.equal(
      res.headers.get('www-authenticate'),
      'Bearer error="insufficient_scope", scope="admin"',
    );
  });

  test('the admin scope comes only when asked for by name, and only a token for the admin API opens it', async () => {
    const reports = 'https://reports.example';
    const created = await api(`${base}/clients`, token, {
      method: 'POST',
      body: {
        client_id: `reports-and-admin-${Date.now()}`,
        grant_types: ['client_credentials'],
        scope: 'admin reports.read',
        audience: [reports],
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const auth = basicAuth(created.body.client_id as string, created.body.client_secret as string);
    const tokenFor = async (form: Record<string, string>) => {
      const res = await postForm(
        `${provider.url}/token`,
        { grant_type: 'client_credentials', ...form },
        { authorization: auth },
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body as { access_token: string; scope?: string };
    };
    const claimsOf = (jwt: string) =>
      JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as {
        aud: string | string[];
        scope?: string;
      };

    // No scope asked: every scope of the client but admin.
    const forReports = await tokenFor({ resource: reports });
    assert.equal(forReports.scope, 'reports.read');
    const lacking = await api(`${base}/clients`, forReports.access_token);
    assert.equal(lacking.status, 403);

    // admin asked for, but the token is for another service: the admin API refuses it.
    const misdirected = await tokenFor({ scope: 'admin', resource: reports });
    assert.equal(claimsOf(misdirected.access_token).aud, reports);
    const refused = await api(`${base}/clients`, misdirected.access_token);
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error, 'invalid_token');
    assert.match(refused.headers.get('www-authenticate') ?? '', /invalid_token/);

    // The admin API's resource identifier, asked for by name: accepted.
    const adminResource = `${provider.config.issuer}/admin`;
    const forAdmin = await tokenFor({ scope: 'admin', resource: adminResource });
    assert.equal(claimsOf(forAdmin.access_token).aud, adminResource);
    assert.equal((await api(`${base}/clients`, forAdmin.access_token)).status, 200);
    // Another client may not ask for the admin API without the admin scope.
    const plain = await api(`${base}/clients`, token, {
      method: 'POST',
      body: { client_id: `plain-${Date.now()}`, grant_types: ['client_credentials'], scope: 'x' },
    });
    const denied = await postForm(
      `${provider.url}/token`,
      { grant_type: 'client_credentials', resource: adminResource },
      {
        authorization: basicAuth(
          plain.body.client_id as string,
          plain.body.client_secret as string,
        ),
      },
    );
    assert.equal(denied.status, 400);
    assert.equal(denied.body.error, 'invalid_target');
  });

  test('a token is only as good as its client: narrowed scope 403, deleted client 401', async () => {
    const created = await api(`${base}/clients`, token, {
      method: 'POST',
      body: { grant_types: ['client_credentials'], scope: 'admin reports:read' },
    });
    assert.equal(created.status, 201, created.text);
    const id = created.body.client_id as string;
    const issued = await postForm(
      `${provider.url}/token`,
      { grant_type: 'client_credentials', scope: 'admin' },
      { authorization: basicAuth(id, created.body.client_secret as string) },
    );
    const delegated = issued.body.access_token as string;
    assert.equal((await api(`${base}/keys`, delegated)).status, 200);

    const narrowed = await api(`${base}/clients/${id}`, token, {
      method: 'PUT',
      body: { grant_types: ['client_credentials'], scope: 'reports:read' },
    });
    assert.equal(narrowed.status, 200, narrowed.text);
    const refused = await api(`${base}/keys`, delegated);
    assert.equal(refused.status, 403, 'the scope was taken from the client');
    assert.equal(refused.body.error, 'insufficient_scope');

    assert.equal(
      (await api(`${base}/clients/${id}`, token, { method: 'PUT', body: created.body })).status,
      200,
    );
    assert.equal((await api(`${base}/keys`, delegated)).status, 200, 'given back');
    assert.equal((await api(`${base}/clients/${id}`, token, { method: 'DELETE' })).status, 204);
    const gone = await api(`${base}/keys`, delegated);
    assert.equal(gone.status, 401, "a deleted client's token");
    assert.equal(gone.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
  });

  test('a client read and sent back unchanged stays unchanged, durations included', async () => {
    const created = await api(`${base}/clients`, token, {
      method: 'POST',
      body: {
        grant_types: ['client_credentials'],
        lifespans: { access_token: '15m', id_token: '1500ms' },
        consent_mode: 'pre-configured',
        pre_configured_consent_duration: '1w',
      },
    });
    assert.equal(created.status, 201, created.text);
    const id = created.body.client_id as string;
    assert.deepEqual(created.body.lifespans, { access_token: 900, id_token: '1500ms' });
    assert.equal(created.body.pre_configured_consent_duration, 604_800);
    const read = await api(`${base}/clients/${id}`, token);
    const put = await api(`${base}/clients/${id}`, token, { method: 'PUT', body: read.body });
    assert.equal(put.status, 200, put.text);
    const after = (await api(`${base}/clients/${id}`, token)).body;
    delete read.body.updated_at;
    delete after.updated_at;
    assert.deepEqual(after, read.body);
  });

  test('an expired and a revoked admin token: 401', async () => {
    const shortLived = await api(`${base}/clients`, token, {
      method: 'POST',
      body: { grant_types: ['client_credentials'], scope: 'admin', lifespans: { access_token: 1 } },
    });
    const auth = {
      authorization: basicAuth(
        shortLived.body.client_id as string,
        shortLived.body.client_secret as string,
      ),
    };
    const issued = await postForm(
      `${provider.url}/token`,
      { grant_type: 'client_credentials', scope: 'admin' },
      auth,
    );
    const expiring = issued.body.access_token as string;
    assert.equal((await api(`${base}/keys`, expiring)).status, 200);
    clock.advance(2_100);
    assert.equal((await api(`${base}/keys`, expiring)).status, 401, 'expired');

    const again = await postForm(
      `${provider.url}/token`,
      { grant_type: 'client_credentials', scope: 'admin' },
      auth,
    );
    const revoked = again.body.access_token as string;
    assert.equal((await postForm(`${provider.url}/revoke`, { token: revoked }, auth)).status, 200);
    assert.equal((await api(`${base}/keys`, revoked)).status, 401, 'revoked');
  });

  test('create, read, update, delete; a created client works at /token at once', async () => {
    const created = await api(`${base}/clients`, token, {
      method: 'POST',
      body: {
        client_id: 'inventory',
        client_name: 'Inventory',
        grant_types: ['client_credentials'],
        scope: 'stock:read',
        audience: ['https://stock.example'],
      },
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.headers.get('cache-control'), 'no-store');
    assert.equal(created.body.client_id, 'inventory');
    const secret = created.body.client_secret as string;
    assert.ok(secret.length >= 43);
    assert.doesNotMatch(created.text, /digest|encrypted|\$sha256\$/);

    const issued = await postForm(
      `${provider.url}/token`,
      { grant_type: 'client_credentials', resource: 'https://stock.example' },
      { authorization: basicAuth('inventory', secret) },
    );
    assert.equal(issued.status, 200);

    const read = await api(`${base}/clients/inventory`, token);
    assert.equal(read.status, 200);
    assert.equal(read.body.client_name, 'Inventory');
    assert.equal(read.body.has_secret, true);
    assert.equal('client_secret' in read.body, false);
    assert.doesNotMatch(read.text, /digest|encrypted|\$sha256\$/);

    const updated = await api(`${base}/clients/inventory`, token, {
      method: 'PUT',
      body: { ...EXAMPLE_UPDATE, client_name: 'Inventory v2' },
    });
    assert.equal(updated.status, 200, updated.text);
    assert.equal(updated.body.client_name, 'Inventory v2');
    assert.equal('client_secret' in updated.body, false, 'the secret is kept');
    const stillWorks = await postForm(
      `${provider.url}/token`,
      { grant_type: 'client_credentials' },
      { authorization: basicAuth('inventory', secret) },
    );
    assert.equal(stillWorks.status, 200);

    const deleted = await api(`${base}/clients/inventory`, token, { method: 'DELETE' });
    assert.equal(deleted.status, 204);
    assert.equal((await api(`${base}/clients/inventory`, token)).status, 404);
    const refused = await postForm(
      `${provider.url}/token`,
      { grant_type: 'client_credentials' },
      { authorization: basicAuth('inventory', secret) },
    );
    assert.equal(refused.status, 401);
    assert.equal((await api(`${base}/clients/inventory`, token, { method: 'DELETE' })).status, 404);
  });

  test('an imported secret digest and a chosen secret', async () => {
    const chosen = await api(`${base}/clients`, token, {
      method: 'POST',
      body: { grant_types: ['client_credentials'], client_secret: 'x'.repeat(40) },
    });
    assert.equal(chosen.status, 201);
    assert.equal('client_secret' in chosen.body, false, 'a chosen secret is not echoed');
    const imported = await api(`${base}/clients`, token, {
      method: 'POST',
      body: {
        grant_types: ['client_credentials'],
        client_secret_digest:
          '$pbkdf2-sha512$310000$c8p78n7pUMln0jzvd4aK4Q$JNRBzwAo0ek5qKn50cFzzvE9RXV88h1wJn5KGiHrD0YKtZaR/nCb2CJPOsKaPK0hjf.9yHxzQGZziziccp6Yng',
      },
    });
    assert.equal(imported.status, 201);
    const issued = await postForm(
      `${provider.url}/token`,
      { grant_type: 'client_credentials' },
      { authorization: basicAuth(imported.body.client_id as string, 'insecure_secret') },
    );
    assert.equal(issued.status, 200);
  });

  test('paging walks every client once', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await api(`${base}/clients`, token, {
        method: 'POST',
        body: { client_id: `page-${i}`, grant_types: ['client_credentials'] },
      });
      assert.equal(res.status, 201);
    }
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const res = await api(
        `${base}/clients?limit=2${after ? `&after=${encodeURIComponent(after)}` : ''}`,
        token,
      );
      assert.equal(res.status, 200);
      const clients = res.body.clients as { client_id: string }[];
      assert.ok(clients.length <= 2);
      seen.push(...clients.map((c) => c.client_id));
      after = res.body.next as string | undefined;
      pages++;
    } while (after && pages < 50);
    assert.equal(seen.length, await count());
    assert.equal(new Set(seen).size, seen.length);
    assert.deepEqual([...seen].sort(), seen);
    for (const bad of ['0', '201', 'abc', '-1', '1.5']) {
      const res = await api(`${base}/clients?limit=${bad}`, token);
      assert.equal(res.status, 400, bad);
      assert.match(String(res.body.error_description), /limit/);
    }
  });

  test('secret rotation with an overlap: both work inside it, only the new one after', async () => {
    const created = await api(`${base}/clients`, token, {
      method: 'POST',
      body: { grant_types: ['client_credentials'] },
    });
    const id = created.body.client_id as string;
    const old = created.body.client_secret as string;
    const rotated = await api(`${base}/clients/${id}/secret`, token, {
      method: 'POST',
      body: { overlap: 2 },
    });
    assert.equal(rotated.status, 200, rotated.text);
    const fresh = rotated.body.client_secret as string;
    assert.notEqual(fresh, old);
    assert.ok(rotated.body.previous_secret_expires_at);
    const status = (secret: string) =>
      postForm(
        `${provider.url}/token`,
        { grant_type: 'client_credentials' },
        {
          authorization: basicAuth(id, secret),
        },
      ).then((r) => r.status);
    assert.equal(await status(old), 200);
    assert.equal(await status(fresh), 200);
    clock.advance(2_300);
    assert.equal(await status(old), 401);
    assert.equal(await status(fresh), 200);
    const read = await api(`${base}/clients/${id}`, token);
    assert.equal(read.body.previous_secret_expires_at, undefined, 'the overlap has ended');

    const noOverlap = await api(`${base}/clients/${id}/secret`, token, { method: 'POST' });
    assert.equal(noOverlap.status, 200);
    assert.equal(await status(fresh), 401, 'without an overlap the old secret dies at once');
    for (const overlap of ['forever', -5, '31d', [1]]) {
      const res = await api(`${base}/clients/${id}/secret`, token, {
        method: 'POST',
        body: { overlap },
      });
      assert.equal(res.status, 400, JSON.stringify(overlap));
    }
  });

  test('clients managed by configuration cannot be changed here', async () => {
    assert.equal((await api(`${base}/clients/${ADMIN_ID}`, token)).status, 200);
    for (const [method, path, body] of [
      ['PUT', `/clients/${ADMIN_ID}`, { grant_types: ['client_credentials'] }],
      ['DELETE', `/clients/${ADMIN_ID}`, undefined],
      ['POST', `/clients/${ADMIN_ID}/secret`, undefined],
    ] as const) {
      const res = await api(base + path, token, { method, body });
      assert.equal(res.status, 409, `${method} ${path}`);
      assert.match(String(res.body.error_description), /managed by configuration/);
    }
  });

  const invalid: [string, unknown, number, string, RegExp][] = [
    [
      'a bad redirect URI',
      { redirect_uris: ['http://a.example/cb'] },
      400,
      'invalid_redirect_uri',
      /redirect_uris\[0\] must use https/,
    ],
    [
      'an unknown grant',
      { grant_types: ['password'] },
      400,
      'invalid_client_metadata',
      /grant_types\[0\]/,
    ],
    [
      'a bad lifespan',
      { grant_types: ['client_credentials'], lifespans: { access_token: 'forever' } },
      400,
      'invalid_client_metadata',
      /lifespans\.access_token/,
    ],
    [
      'a bad client_id',
      { client_id: 'has space', grant_types: ['client_credentials'] },
      400,
      'invalid_request',
      /client_id must be/,
    ],
    [
      'a taken client_id',
      { client_id: ADMIN_ID, grant_types: ['client_credentials'] },
      400,
      'invalid_client_metadata',
      /already registered/,
    ],
    [
      'a short chosen secret',
      { grant_types: ['client_credentials'], client_secret: 'short' },
      400,
      'invalid_client_metadata',
      /at least 32/,
    ],
    [
      'a bogus digest',
      { grant_types: ['client_credentials'], client_secret_digest: '$md5$x' },
      400,
      'invalid_client_metadata',
      /digest must be/,
    ],
    [
      'an array body',
      [{ grant_types: ['client_credentials'] }],
      400,
      'invalid_request',
      /JSON object/,
    ],
  ];
  for (const [name, body, status, error, description] of invalid) {
    test(`create refuses ${name}, writing nothing`, async () => {
      const before = await count();
      const res = await api(`${base}/clients`, token, { method: 'POST', body });
      assert.equal(res.status, status, res.text);
      assert.equal(res.body.error, error);
      assert.match(String(res.body.error_description), description);
      assert.equal(await count(), before);
    });
  }

  test('hostile bodies get a 4xx, never a 5xx', async () => {
    const before = await count();
    for (const [raw, type, status] of [
      ['{"grant_types": [', 'application/json', 400],
      ['{"__proto__": {"public": true}}', 'application/json', 400],
      ['grant_types=client_credentials', 'text/plain', 400],
      ['x'.repeat(70_000), 'application/json', 413],
      ['"a string"', 'application/json', 400],
      ['null', 'application/json', 400],
    ] as const) {
      const res = await api(`${base}/clients`, token, { method: 'POST', raw, type });
      assert.equal(res.status, status, `${type} ${raw.slice(0, 30)}: ${res.text}`);
      assert.ok(res.body.error, 'an OAuth-style error body');
      assert.doesNotMatch(res.text, /at .*\.js:\d+/, 'no stack trace');
    }
    assert.equal(await count(), before);
    assert.equal((await api(`${base}/clients/${'x'.repeat(200)}`, token)).status, 404);
    const tooLong = await api(`${base}/clients/${'x'.repeat(1100)}`, token);
    assert.equal(tooLong.status, 414, 'refused by the router before any handler');
  });

  test('keys: list, rotate, import, revoke (a revoked kid leaves the JWKS)', async () => {
    const listed = await api(`${base}/keys`, token);
    assert.equal(listed.status, 200);
    const keys = listed.body.keys as { kid: string; status: string; alg: string }[];
    assert.ok(keys.some((k) => k.status === 'active' && k.alg === 'RS256'));
    assert.doesNotMatch(listed.text, /private|"d":/);

    // The next key was published at boot, moments ago: relying parties may not have it yet.
    const early = await api(`${base}/keys/rotate`, token, {
      method: 'POST',
      body: { algorithms: ['ES256'] },
    });
    assert.equal(early.status, 400, early.text);
    assert.match(
      String(early.body.error_description),
      /has been published for \d+ s, less than the JWKS cache lifetime \(600 s\).*"emergency": true/,
    );
    assert.deepEqual(
      ((await api(`${base}/keys`, token)).body.keys as typeof keys).map((k) => [k.kid, k.status]),
      keys.map((k) => [k.kid, k.status]),
      'a refused rotation changes nothing',
    );
    const rotated = await api(`${base}/keys/rotate`, token, {
      method: 'POST',
      body: { algorithms: ['ES256'], emergency: true },
    });
    assert.equal(rotated.status, 200, rotated.text);
    assert.equal((rotated.body.promoted as string[]).length, 1);

    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();
    const imported = await api(`${base}/keys/import`, token, {
      method: 'POST',
      body: { private_key_pem: pem, alg: 'ES256' },
    });
    assert.equal(imported.status, 200, imported.text);
    const kid = (imported.body.created as string[])[0];
    assert.ok((await getJwks(provider.url)).keys.some((k) => k.kid === kid));

    const revoked = await api(`${base}/keys/${encodeURIComponent(kid)}/revoke`, token, {
      method: 'POST',
    });
    assert.equal(revoked.status, 200, revoked.text);
    assert.ok(!(await getJwks(provider.url)).keys.some((k) => k.kid === kid));

    for (const [path, body, status, pattern] of [
      ['/keys/no-such-kid/revoke', undefined, 404, /No signing key has kid/],
      [`/keys/${encodeURIComponent(kid)}/revoke`, undefined, 400, /already revoked/],
      ['/keys/import', { private_key_pem: 'not a pem' }, 400, /not a readable/],
      ['/keys/import', { private_key_pem: pem }, 400, /already stored/],
      ['/keys/import', {}, 400, /private_key_pem must be/],
      ['/keys/rotate', { algorithms: ['HS256'] }, 400, /algorithms\[0\] must be one of/],
      ['/keys/rotate', { emergency: 'yes' }, 400, /emergency must be true or false/],
    ] as const) {
      const res = await api(base + path, token, { method: 'POST', body });
      assert.equal(res.status, status, `${path}: ${res.text}`);
      assert.match(String(res.body.error_description), pattern);
    }
  });

  test('revoking the key that signed a token makes it inactive at once, though it was introspected before', async () => {
    const auth = { authorization: basicAuth(ADMIN_ID, ADMIN_SECRET) };
    const introspect = async (t: string) =>
      (await postForm(`${provider.url}/introspect`, { token: t }, auth)).body.active;
    const signedBefore = token;
    const { kid } = decodeProtectedHeader(signedBefore);
    assert.equal(await introspect(signedBefore), true);
    assert.equal(await introspect(signedBefore), true, 'a second look, from the verified cache');

    const rotated = await api(`${base}/keys/rotate`, token, {
      method: 'POST',
      body: { algorithms: ['RS256'], emergency: true },
    });
    assert.equal(rotated.status, 200, rotated.text);
    assert.equal(await introspect(signedBefore), true, 'a retired key still verifies');

    const revoked = await api(`${base}/keys/${encodeURIComponent(kid!)}/revoke`, token, {
      method: 'POST',
    });
    assert.equal(revoked.status, 200, revoked.text);
    assert.equal(await introspect(signedBefore), false);
    assert.equal((await api(`${base}/keys`, signedBefore)).status, 401);

    token = await adminToken(provider);
    assert.notEqual(decodeProtectedHeader(token).kid, kid);
    assert.equal((await api(`${base}/keys`, token)).status, 200);
  });

  test('a second boot with the same admin settings writes nothing', async () => {
    const repository = () => provider.app.get(DataSource).getRepository(Client);
    const before = await repository().findOneByOrFail({ clientId: ADMIN_ID });
    const port = new URL(provider.url).port; // the same issuer, so earlier tokens still verify
    await provider.close();
    provider = await startProvider({ ...storage.env, ...ADMIN_ENV, PORT: port });
    base = `${provider.url}/admin`;
    const after = await repository().findOneByOrFail({ clientId: ADMIN_ID });
    assert.equal(after.updatedAt.getTime(), before.updatedAt.getTime());
    assert.equal((await api(`${base}/keys`, token)).status, 200, 'tokens survive a restart');
  });
});

const EXAMPLE_UPDATE = {
  grant_types: ['client_credentials'],
  scope: 'stock:read stock:write',
  audience: ['https://stock.example'],
};
