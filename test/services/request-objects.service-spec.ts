import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { RequestObjects } from '../../src/authorization/request-objects.js';
import { ClientsModule } from '../../src/clients/clients.module.js';
import { OAuthError } from '../../src/common/errors/oauth-error.js';
import { registerClient } from '../support/clients.js';
import { MovableClock } from '../support/clock.js';
import { createStorage, type Storage } from '../support/provider.js';
import { startServices, type RunningServices } from '../support/services.js';

/**
 * RequestObjects on two "instances" sharing one Postgres and one Redis, with a clock the test
 * moves: a request object's jti is good once across instances, and its expiry is the clock's.
 */
describe('request objects across two instances', { timeout: 60_000 }, () => {
  const clock = new MovableClock();
  let storage: Storage;
  let a: RunningServices;
  let b: RunningServices;
  let key: CryptoKey;
  let clientId: string;

  before(async () => {
    storage = await createStorage('services');
    [a, b] = await Promise.all(
      [0, 1].map(() =>
        startServices(
          storage.env,
          { imports: [ClientsModule], providers: [RequestObjects], database: true },
          { clock },
        ),
      ),
    );
    const pair = await generateKeyPair('ES256', { extractable: true });
    key = pair.privateKey;
    ({ clientId } = await registerClient(a.app, {
      redirect_uris: ['https://rp.example.com/cb'],
      jwks: { keys: [{ ...(await exportJWK(pair.publicKey)), alg: 'ES256' }] },
    }));
  });
  after(async () => {
    await Promise.allSettled([a?.close(), b?.close()]);
    await storage?.dispose();
  });

  const sign = (claims: Record<string, unknown>) => {
    const now = Math.floor(clock.now() / 1000);
    return new SignJWT({
      iss: clientId,
      aud: a.config.issuer,
      exp: now + 60,
      response_type: 'code',
      scope: 'openid',
      ...claims,
    })
      .setProtectedHeader({ alg: 'ES256' })
      .sign(key);
  };
  const refusal = (description: RegExp) => (e: unknown) =>
    e instanceof OAuthError &&
    e.error === 'invalid_request_object' &&
    description.test(e.description ?? '');

  test('an object with a jti resolves once: on A, then refused on B', async () => {
    const request = await sign({ jti: randomBytes(8).toString('hex'), max_age: 300 });
    assert.deepEqual(await a.app.get(RequestObjects).resolve({ client_id: clientId, request }), {
      response_type: 'code',
      scope: 'openid',
      max_age: '300',
      client_id: clientId,
    });
    await assert.rejects(
      b.app.get(RequestObjects).resolve({ client_id: clientId, request }),
      refusal(/already been used/),
    );
  });

  test('sent to A and B at once: exactly one resolves', async () => {
    for (let i = 0; i < 5; i++) {
      const request = await sign({ jti: randomBytes(8).toString('hex') });
      const outcomes = await Promise.allSettled(
        [a, b].map((x) => x.app.get(RequestObjects).resolve({ client_id: clientId, request })),
      );
      assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
    }
  });

  test('expired by the clock on either instance', async () => {
    const request = await sign({});
    clock.advance(2 * 60_000);
    for (const x of [a, b])
      await assert.rejects(
        x.app.get(RequestObjects).resolve({ client_id: clientId, request }),
        refusal(/expired/),
      );
  });
});
