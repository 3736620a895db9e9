import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import * as oidc from 'openid-client';
import { postForm, registerClient } from './support/clients.js';
import { MovableClock } from './support/clock.js';
import {
  createStorage,
  startProvider,
  target,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

/** private_key_jwt with keys the provider fetches from the client's jwks_uri. */
describe(`private_key_jwt with a jwks_uri on ${target}`, { timeout: 60_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;
  let server: Server;
  let published: { keys: JWK[] } = { keys: [] };
  let fetches = 0;
  let clientId: string;
  const pairs: Record<string, CryptoKey> = {};
  /** The provider's: a test moves it past the refetch cooldown instead of sleeping. */
  const clock = new MovableClock();

  const publish = async (kid: string) => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    pairs[kid] = privateKey;
    published = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] };
  };

  const tokenWith = async (kid: string) => {
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(`${provider.config.issuer}/token`)
      .setIssuedAt()
      .setExpirationTime('1m')
      .setJti(randomUUID())
      .sign(pairs[kid]);
    return postForm(`${provider.url}/token`, {
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    });
  };

  before(async () => {
    await publish('k1');
    server = createServer((_req, res) => {
      fetches++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(published));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    storage = await createStorage();
    provider = await startProvider(storage.env, { clock });
    ({ clientId } = await registerClient(provider.app, {
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks_uri: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`,
      scope: 'reports:read',
    }));
  });
  after(async () => {
    server?.close();
    await provider?.close();
    await storage?.dispose();
  });

  test('openid-client authenticates with a key the provider fetched; the document is cached', async () => {
    const config = await oidc.discovery(
      new URL(provider.config.issuer),
      clientId,
      undefined,
      oidc.PrivateKeyJwt({ key: pairs.k1, kid: 'k1' }),
      { execute: [oidc.allowInsecureRequests] },
    );
    const first = await oidc.clientCredentialsGrant(config, { scope: 'reports:read' });
    assert.equal(first.scope, 'reports:read');
    const second = await tokenWith('k1');
    assert.equal(second.status, 200);
    assert.equal(fetches, 1, 'fetched once, then served from the cache');
  });

  test('a rotated key: refetched once on the unknown kid, with a cooldown against floods', async () => {
    await publish('k2');
    // Within the cooldown of the first fetch the unknown kid is refused without a fetch.
    const early = await tokenWith('k2');
    assert.equal(early.status, 401);
    assert.equal(early.body.error, 'invalid_client');
    assert.equal(fetches, 1);
    clock.advance(5_200);
    const later = await tokenWith('k2');
    assert.equal(later.status, 200, JSON.stringify(later.body));
    assert.equal(fetches, 2);
    // A flood of unknown kids right after costs no further fetch.
    pairs.k3 = pairs.k2;
    for (let i = 0; i < 5; i++) assert.equal((await tokenWith('k3')).status, 401);
    assert.equal(fetches, 2);
  });

  test('an unreachable or broken jwks_uri is invalid_client, never a 5xx', async () => {
    const broken = await registerClient(provider.app, {
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks_uri: 'http://127.0.0.1:9/jwks.json',
    });
    const saved = clientId;
    clientId = broken.clientId;
    try {
      const res = await tokenWith('k2');
      assert.equal(res.status, 401);
      assert.equal(res.body.error, 'invalid_client');
      // The reason (the jwks_uri could not be fetched) goes to the log, not to the caller.
      assert.equal(res.body.error_description, 'Client authentication failed');
    } finally {
      clientId = saved;
    }
  });
});
