import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_ENV, adminToken, api } from './support/admin.js';
import { basicAuth, postForm } from './support/clients.js';
import {
  createStorage,
  eventually,
  freePort,
  getJwks,
  startProvider,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

/** The admin API on instance A; its effects on instance B, at once. */
describe('admin API across two instances', { timeout: 60_000 }, () => {
  let storage: Storage;
  let a: RunningProvider;
  let b: RunningProvider;
  let token: string;

  before(async () => {
    storage = await createStorage('services');
    const portA = await freePort();
    const env = { ...storage.env, ...ADMIN_ENV, ISSUER: `http://127.0.0.1:${portA}` };
    // Both boot with the same admin settings at once: neither may fail.
    [a, b] = await Promise.all([
      startProvider({ ...env, PORT: String(portA) }),
      startProvider(env),
    ]);
    token = await adminToken(a);
  });
  after(async () => {
    await Promise.allSettled([a?.close(), b?.close()]);
    await storage?.dispose();
  });

  test('a client created on A works at B at once; deleted on A, it is refused at B at once', async () => {
    const created = await api(`${a.url}/admin/clients`, token, {
      method: 'POST',
      body: { grant_types: ['client_credentials'], scope: 'jobs:run' },
    });
    assert.equal(created.status, 201);
    const auth = {
      authorization: basicAuth(
        created.body.client_id as string,
        created.body.client_secret as string,
      ),
    };
    const onB = await postForm(`${b.url}/token`, { grant_type: 'client_credentials' }, auth);
    assert.equal(onB.status, 200);

    // B now holds the client in memory; the deletion on A must reach it.
    const deleted = await api(`${a.url}/admin/clients/${created.body.client_id as string}`, token, {
      method: 'DELETE',
    });
    assert.equal(deleted.status, 204);
    await eventually(
      async () => {
        const res = await postForm(`${b.url}/token`, { grant_type: 'client_credentials' }, auth);
        return res.status === 401 ? true : undefined;
      },
      2_000,
      'B to refuse the deleted client',
    );
  });

  test('a resource server declared on A admits at B at once; removed on A, B refuses it at once', async () => {
    const API = 'https://cluster-api.example';
    const created = await api(`${a.url}/admin/clients`, token, {
      method: 'POST',
      body: { grant_types: ['client_credentials'], scope: 'api:read' },
    });
    const auth = {
      authorization: basicAuth(
        created.body.client_id as string,
        created.body.client_secret as string,
      ),
    };
    const ask = () =>
      postForm(`${b.url}/token`, { grant_type: 'client_credentials', resource: API }, auth);
    // B loads its catalog now, without the resource: the declaration must reach it.
    assert.equal((await ask()).body.error, 'invalid_target');
    const path = `${a.url}/admin/resources/${encodeURIComponent(API)}`;
    const declared = await api(path, token, {
      method: 'PUT',
      body: { scopes: ['api:read'], clients: 'any' },
    });
    assert.equal(declared.status, 201, declared.text);
    await eventually(
      async () => ((await ask()).status === 200 ? true : undefined),
      2_000,
      'B to admit the client',
    );
    const granted = await ask();
    assert.equal(granted.body.scope, 'api:read');
    assert.equal((await api(path, token, { method: 'DELETE' })).status, 204);
    await eventually(
      async () => ((await ask()).body.error === 'invalid_target' ? true : undefined),
      2_000,
      'B to refuse the removed resource',
    );
  });

  test('a secret rotated on A: B takes the new secret at once', async () => {
    const created = await api(`${a.url}/admin/clients`, token, {
      method: 'POST',
      body: { grant_types: ['client_credentials'] },
    });
    const id = created.body.client_id as string;
    const old = created.body.client_secret as string;
    assert.equal(
      (
        await postForm(
          `${b.url}/token`,
          { grant_type: 'client_credentials' },
          { authorization: basicAuth(id, old) },
        )
      ).status,
      200,
    );
    const rotated = await api(`${a.url}/admin/clients/${id}/secret`, token, { method: 'POST' });
    const fresh = rotated.body.client_secret as string;
    await eventually(
      async () => {
        const res = await postForm(
          `${b.url}/token`,
          { grant_type: 'client_credentials' },
          {
            authorization: basicAuth(id, fresh),
          },
        );
        return res.status === 200 ? true : undefined;
      },
      2_000,
      'B to accept the new secret',
    );
    const oldOnB = await postForm(
      `${b.url}/token`,
      { grant_type: 'client_credentials' },
      {
        authorization: basicAuth(id, old),
      },
    );
    assert.equal(oldOnB.status, 401);
  });

  test("a key rotated through A's admin API is in B's JWKS within seconds", async () => {
    const rotated = await api(`${a.url}/admin/keys/rotate`, token, {
      method: 'POST',
      body: { algorithms: ['RS256'], emergency: true },
    });
    assert.equal(rotated.status, 200);
    const created = (rotated.body.created as string[])[0];
    assert.ok(created, 'a new next key was made');
    await eventually(
      async () => ((await getJwks(b.url)).keys.some((k) => k.kid === created) ? true : undefined),
      5_000,
      "the new key in B's JWKS",
    );
    // And B accepts the admin token A issued.
    assert.equal((await api(`${b.url}/admin/keys`, token)).status, 200);
  });
});
