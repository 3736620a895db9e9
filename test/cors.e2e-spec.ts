import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { basicAuth, postForm, registerClient } from './support/clients.js';
import {
  createStorage,
  startProvider,
  target,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

const APP = 'https://app.example.com';

describe(`CORS on ${target}`, { timeout: 60_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;
  let auth: Record<string, string>;

  before(async () => {
    storage = await createStorage();
    provider = await startProvider(storage.env);
    const { clientId, secret } = await registerClient(provider.app, {
      grant_types: ['client_credentials'],
      scope: 'a',
      cors_allowed_origins: [APP],
    });
    auth = { authorization: basicAuth(clientId, secret!) };
  });
  after(async () => {
    await provider?.close();
    await storage?.dispose();
  });

  test('discovery and the JWKS are readable from any origin', async () => {
    for (const path of [
      '/.well-known/openid-configuration',
      '/.well-known/oauth-authorization-server',
      '/jwks',
    ]) {
      const res = await fetch(provider.url + path, { headers: { origin: 'https://any.example' } });
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get('access-control-allow-origin'), '*', path);
    }
  });

  test('a preflight to /token, /introspect and /revoke is answered', async () => {
    for (const path of ['/token', '/introspect', '/revoke']) {
      const res = await fetch(provider.url + path, {
        method: 'OPTIONS',
        headers: {
          origin: APP,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      });
      assert.equal(res.status, 204, path);
      assert.equal(res.headers.get('access-control-allow-origin'), APP);
      assert.equal(res.headers.get('access-control-allow-methods'), 'POST');
      assert.match(res.headers.get('access-control-allow-headers') ?? '', /authorization/);
    }
  });

  test("the client's origin reads the token response", async () => {
    const res = await postForm(
      `${provider.url}/token`,
      { grant_type: 'client_credentials' },
      {
        ...auth,
        origin: APP,
      },
    );
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), APP);
    assert.match(res.headers.get('vary') ?? '', /origin/i);
  });

  test('another origin is refused before anything is issued', async () => {
    const res = await postForm(
      `${provider.url}/token`,
      { grant_type: 'client_credentials' },
      {
        ...auth,
        origin: 'https://evil.example',
      },
    );
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'invalid_request');
    assert.equal(res.body.access_token, undefined);
    assert.equal(res.headers.get('access-control-allow-origin'), null);
  });

  test('servers (no Origin) and the provider itself are not affected', async () => {
    const plain = await postForm(
      `${provider.url}/token`,
      { grant_type: 'client_credentials' },
      auth,
    );
    assert.equal(plain.status, 200);
    assert.equal(plain.headers.get('access-control-allow-origin'), null);
    const own = await postForm(
      `${provider.url}/token`,
      { grant_type: 'client_credentials' },
      {
        ...auth,
        origin: new URL(provider.config.issuer).origin,
      },
    );
    assert.equal(own.status, 200);
  });
});
