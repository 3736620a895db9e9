import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { ADMIN_ENV, adminToken, api } from './support/admin.js';
import {
  createStorage,
  startProvider,
  target,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

/** Bodies no JSON endpoint may take, and the description each is refused with. */
const BAD_BODIES: [string, string, string][] = [
  [
    'not JSON',
    '{"client_name":',
    "Body is not valid JSON but content-type is set to 'application/json'",
  ],
  [
    'nested 33 deep',
    `{"a":${'['.repeat(32)}${']'.repeat(32)}}`,
    'The JSON body is nested too deeply',
  ],
  [
    'nested 5000 deep',
    `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`,
    'The JSON body is nested too deeply',
  ],
  [
    'a lone surrogate',
    '{"client_name":"\\ud800","username":"\\ud800","redirect_uris":["https://a.example/\\udfff"]}',
    'The JSON body holds a NUL character or a lone surrogate',
  ],
  [
    'a NUL character',
    '{"client_name":"a\\u0000b","username":"a\\u0000b","scopes":["a\\u0000"]}',
    'The JSON body holds a NUL character or a lone surrogate',
  ],
  [
    'a key with a lone surrogate',
    '{"\\udc00":1}',
    'The JSON body holds a NUL character or a lone surrogate',
  ],
];

/**
 * Issue 15, item 2: every endpoint that takes JSON (dynamic registration and its management
 * endpoint, and each JSON route of the admin API) answers each malformed body 400 in the
 * OAuth error format, never 500, and writes nothing.
 */
describe(`malformed JSON at every JSON endpoint, on ${target}`, { timeout: 120_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;
  let token: string;
  let registration: { uri: string; token: string };

  before(async () => {
    storage = await createStorage();
    provider = await startProvider({ ...storage.env, ...ADMIN_ENV, REGISTRATION_MODE: 'open' });
    token = await adminToken(provider);
    const registered = await api(`${provider.url}/register`, undefined, {
      method: 'POST',
      body: { redirect_uris: ['https://rp.example/cb'], client_name: 'json-probe' },
    });
    assert.equal(registered.status, 201, registered.text);
    registration = {
      uri: registered.body.registration_client_uri as string,
      token: registered.body.registration_access_token as string,
    };
  });
  after(async () => {
    await provider?.close();
    await storage?.dispose();
  });

  /** Row counts of the tables these endpoints write. */
  async function counts(): Promise<string> {
    if (!storage.databaseUrl) {
      const [clients, users] = await Promise.all(
        ['/admin/clients', '/admin/users'].map((path) => api(`${provider.url}${path}`, token)),
      );
      return JSON.stringify([clients.body, users.body]);
    }
    const db = new pg.Client({ connectionString: storage.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query(
        `SELECT (SELECT count(*) FROM clients) AS clients, (SELECT count(*) FROM users) AS users,
                (SELECT count(*) FROM resource_servers) AS resources,
                (SELECT count(*) FROM signing_keys) AS keys`,
      );
      return JSON.stringify(rows[0]);
    } finally {
      await db.end();
    }
  }

  const endpoints = (): [string, string, string | undefined][] => [
    ['POST', '/register', undefined],
    ['PUT', registration.uri.replace(provider.config.issuer, ''), registration.token],
    ['POST', '/admin/clients', token],
    ['PUT', '/admin/clients/json-probe-client', token],
    ['POST', '/admin/users', token],
    ['PUT', '/admin/users/00000000-0000-4000-8000-000000000000', token],
    ['POST', '/admin/users/00000000-0000-4000-8000-000000000000/password', token],
    ['PUT', '/admin/users/00000000-0000-4000-8000-000000000000/totp', token],
    ['PUT', `/admin/resources/${encodeURIComponent('https://api.example/')}`, token],
    ['POST', '/admin/keys/import', token],
  ];

  test('each malformed body at each JSON endpoint: 400 in the OAuth format, nothing written', async () => {
    const before = await counts();
    for (const [method, path, bearer] of endpoints()) {
      for (const [name, raw, description] of BAD_BODIES) {
        const res = await api(`${provider.url}${path}`, bearer, { method, raw });
        const where = `${method} ${path.slice(0, 60)} with ${name}: ${res.status} ${res.text.slice(0, 200)}`;
        assert.equal(res.status, 400, where);
        assert.deepEqual(
          res.body,
          { error: 'invalid_request', error_description: description },
          where,
        );
        assert.equal(res.headers.get('cache-control'), 'no-store', where);
      }
    }
    assert.equal(await counts(), before);
  });
});
