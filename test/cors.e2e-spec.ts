import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ProviderMetadataService } from '../src/discovery/discovery.service.js';
import { KeysService } from '../src/keys/keys.service.js';
import { basicAuth, postForm, registerClient } from './support/clients.js';
import {
  createStorage,
  startProvider,
  target,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

const APP = 'https://app.example.com';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** A page of `origin` may read this answer and its challenge (Fetch, CORS check). */
function assertReadable(res: Response, origin: string, what: string): void {
  assert.equal(res.headers.get('access-control-allow-origin'), origin, `${what}: allow-origin`);
  const exposed = (res.headers.get('access-control-expose-headers') ?? '').toLowerCase();
  assert.match(exposed, /(^|, *)www-authenticate(,|$)/, `${what}: WWW-Authenticate exposed`);
  if (origin !== '*') assert.match(res.headers.get('vary') ?? '', /origin/i, `${what}: vary`);
}

describe(`CORS on ${target}`, { timeout: 60_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;
  let auth: Record<string, string>;
  let clientId: string;

  before(async () => {
    storage = await createStorage();
    provider = await startProvider(storage.env);
    const registered = await registerClient(provider.app, {
      grant_types: ['client_credentials'],
      scope: 'a',
      cors_allowed_origins: [APP],
    });
    clientId = registered.clientId;
    auth = { authorization: basicAuth(clientId, registered.secret!) };
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

  test('errors of /token, /introspect and /revoke are readable from the page, challenge included', async () => {
    const wrongSecret = { ...FORM, origin: APP, authorization: basicAuth(clientId, 'not-it') };
    const good = { ...FORM, origin: APP, ...auth };
    const cases: { what: string; path: string; init: RequestInit; status: number }[] = [
      {
        what: 'a wrong secret',
        path: '/token',
        init: { method: 'POST', headers: wrongSecret, body: 'grant_type=client_credentials' },
        status: 401,
      },
      {
        what: 'no client authentication',
        path: '/token',
        init: { method: 'POST', headers: { ...FORM, origin: APP }, body: 'grant_type=password' },
        status: 401,
      },
      { what: 'GET', path: '/token', init: { headers: { origin: APP } }, status: 405 },
      {
        what: 'a JSON body',
        path: '/token',
        init: {
          method: 'POST',
          headers: { ...good, 'content-type': 'application/json' },
          body: '{"grant_type":"client_credentials"}',
        },
        status: 400,
      },
      {
        what: 'an unparsable content type',
        path: '/token',
        init: { method: 'POST', headers: { ...good, 'content-type': 'text/x-weird' }, body: 'x' },
        status: 415,
      },
      {
        what: 'a body over the limit',
        path: '/token',
        init: { method: 'POST', headers: good, body: `grant_type=${'x'.repeat(70_000)}` },
        status: 413,
      },
      {
        what: 'a repeated parameter',
        path: '/token',
        init: { method: 'POST', headers: good, body: 'scope=a&scope=a&grant_type=password' },
        status: 400,
      },
      {
        what: 'a grant type the client may not use',
        path: '/token',
        init: { method: 'POST', headers: good, body: 'grant_type=password' },
        status: 400,
      },
      {
        what: 'a wrong secret',
        path: '/introspect',
        init: { method: 'POST', headers: wrongSecret, body: 'token=x' },
        status: 401,
      },
      {
        what: 'no token',
        path: '/introspect',
        init: { method: 'POST', headers: good, body: '' },
        status: 400,
      },
      {
        what: 'a wrong secret',
        path: '/revoke',
        init: { method: 'POST', headers: wrongSecret, body: 'token=x' },
        status: 401,
      },
      { what: 'no token', path: '/revoke', init: { method: 'POST', headers: good }, status: 400 },
    ];
    for (const { what, path, init, status } of cases) {
      const res = await fetch(provider.url + path, init);
      const label = `${path}, ${what}`;
      assert.equal(res.status, status, label);
      assertReadable(res, APP, label);
      assert.equal(res.headers.get('access-control-allow-credentials'), null, label);
      const body = (await res.json()) as { error?: string };
      assert.ok(body.error, `${label}: a JSON error`);
      if (what === 'a wrong secret' && path === '/token')
        assert.match(res.headers.get('www-authenticate') ?? '', /^Basic /, label);
    }
  });

  test('UserInfo errors are readable from the page with their WWW-Authenticate challenge', async () => {
    // Before a token names the client, its origins are unknown: any page that called reads why.
    for (const origin of [APP, 'https://other-spa.example']) {
      const cases: { what: string; init: RequestInit; challenge: RegExp }[] = [
        { what: 'no token', init: { headers: { origin } }, challenge: /^Bearer/ },
        {
          what: 'a bad token',
          init: { headers: { origin, authorization: 'Bearer not.a.token' } },
          challenge: /^Bearer error="invalid_token"/,
        },
        {
          what: 'a bad token by POST',
          init: {
            method: 'POST',
            headers: { ...FORM, origin },
            body: 'access_token=not-a-token',
          },
          challenge: /^Bearer error="invalid_token"/,
        },
      ];
      for (const { what, init, challenge } of cases) {
        const res = await fetch(`${provider.url}/userinfo`, init);
        const label = `${origin}, ${what}`;
        assert.equal(res.status, 401, label);
        assertReadable(res, origin, label);
        assert.match(res.headers.get('www-authenticate') ?? '', challenge, label);
      }
      const twice = await fetch(`${provider.url}/userinfo`, {
        method: 'POST',
        headers: { ...FORM, origin, authorization: 'Bearer abc' },
        body: 'access_token=abc',
      });
      assert.equal(twice.status, 400, 'the token sent two ways');
      assertReadable(twice, origin, `${origin}, the token sent two ways`);
    }
  });

  test('discovery and the JWKS stay readable from any origin when they fail', async () => {
    // Nothing a caller sends makes them fail; a broken key ring and metadata do.
    const keys = provider.app.get(KeysService);
    const metadata = provider.app.get(ProviderMetadataService);
    const broken = {
      configurable: true,
      get: () => {
        throw new Error('broken for the test');
      },
    };
    Object.defineProperty(keys, 'ring', broken);
    Object.defineProperty(metadata, 'json', broken);
    try {
      for (const path of [
        '/jwks',
        '/.well-known/openid-configuration',
        '/.well-known/oauth-authorization-server',
      ]) {
        const res = await fetch(provider.url + path, {
          headers: { origin: 'https://any.example' },
        });
        assert.equal(res.status, 500, path);
        assertReadable(res, '*', path);
        assert.equal(((await res.json()) as { error: string }).error, 'server_error', path);
      }
    } finally {
      delete (keys as unknown as Record<string, unknown>).ring;
      delete (metadata as unknown as Record<string, unknown>).json;
    }
    assert.equal((await fetch(`${provider.url}/jwks`)).status, 200, 'restored');
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
