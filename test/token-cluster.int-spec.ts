import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeProtectedHeader } from 'jose';
import { validateClientMetadata } from '../src/clients/client-metadata.validator.js';
import { ClientsService } from '../src/clients/clients.service.js';
import { basicAuth, postForm, registerClient } from './support/clients.js';
import {
  createStorage,
  freePort,
  startProvider,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

/** Two instances on one Postgres and one Redis, issuing ES256 access tokens. */
describe('tokens across two instances', { timeout: 60_000 }, () => {
  let storage: Storage;
  let a: RunningProvider;
  let b: RunningProvider;

  before(async () => {
    storage = await createStorage('services');
    // A cluster behind one name: both instances share the issuer, as behind a load balancer.
    const portA = await freePort();
    const env = {
      ...storage.env,
      ACCESS_TOKEN_SIGNING_ALG: 'ES256',
      ISSUER: `http://127.0.0.1:${portA}`,
    };
    a = await startProvider({ ...env, PORT: String(portA) });
    b = await startProvider(env);
  });
  after(async () => {
    await Promise.allSettled([a?.close(), b?.close()]);
    await storage?.dispose();
  });

  test('a token issued by A and revoked on A is inactive on B', async () => {
    const { clientId, secret } = await registerClient(a.app, {
      grant_types: ['client_credentials'],
      scope: 'jobs:run',
    });
    const auth = { authorization: basicAuth(clientId, secret!) };
    const issued = await postForm(`${a.url}/token`, { grant_type: 'client_credentials' }, auth);
    assert.equal(issued.status, 200);
    const token = issued.body.access_token as string;
    assert.equal(decodeProtectedHeader(token).alg, 'ES256');

    assert.equal((await postForm(`${b.url}/introspect`, { token }, auth)).body.active, true);
    assert.equal((await postForm(`${a.url}/revoke`, { token }, auth)).status, 200);
    assert.deepEqual((await postForm(`${b.url}/introspect`, { token }, auth)).body, {
      active: false,
    });
  });

  test('a token exchanged on B ends when its subject token is revoked on A (RFC 8693)', async () => {
    const jobs = 'https://jobs.internal.example.com';
    const caller = await registerClient(a.app, {
      grant_types: ['client_credentials'],
      scope: 'jobs:run',
      audience: [jobs],
    });
    const exchanger = await registerClient(a.app, {
      grant_types: ['client_credentials', 'urn:ietf:params:oauth:grant-type:token-exchange'],
      scope: 'jobs:run',
      audience: ['https://reports.internal.example.com'],
      introspection_audiences: [jobs],
      token_exchange_impersonation: true,
    });
    const callerAuth = { authorization: basicAuth(caller.clientId, caller.secret!) };
    const exchangerAuth = { authorization: basicAuth(exchanger.clientId, exchanger.secret!) };
    const subject = (
      await postForm(`${a.url}/token`, { grant_type: 'client_credentials' }, callerAuth)
    ).body.access_token as string;
    const exchanged = await postForm(
      `${b.url}/token`,
      {
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token: subject,
        subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      },
      exchangerAuth,
    );
    assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
    const token = exchanged.body.access_token as string;
    // Verified (and cached) by both instances while it is good.
    for (const instance of [a, b]) {
      const seen = await postForm(`${instance.url}/introspect`, { token }, exchangerAuth);
      assert.equal(seen.body.active, true);
    }

    assert.equal((await postForm(`${a.url}/revoke`, { token: subject }, callerAuth)).status, 200);
    for (const instance of [a, b]) {
      const seen = await postForm(`${instance.url}/introspect`, { token }, exchangerAuth);
      assert.deepEqual(seen.body, { active: false });
    }
  });

  test('a client created on A works on B at once, even after B looked it up as unknown', async () => {
    const clientId = `late-${Date.now()}`;
    const secret = 'a-secret-chosen-by-the-operator-0123456789';
    const unknown = await postForm(
      `${b.url}/token`,
      { grant_type: 'client_credentials' },
      { authorization: basicAuth(clientId, secret) },
    );
    assert.equal(unknown.status, 401);
    await a.app.get(ClientsService).create({
      clientId,
      secret,
      origin: 'admin',
      metadata: validateClientMetadata(
        { grant_types: ['client_credentials'], scope: 'jobs:run' },
        'admin',
      ),
    });
    const known = await postForm(
      `${b.url}/token`,
      { grant_type: 'client_credentials' },
      { authorization: basicAuth(clientId, secret) },
    );
    assert.equal(known.status, 200);
  });
});
