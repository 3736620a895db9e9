import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { basicAuth, postForm, registerClient } from './support/clients.js';
import {
  createStorage,
  freePort,
  startProvider,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

/** Two instances on one Postgres and one Redis: failed client authentications count together. */
describe('client authentication limits across two instances', { timeout: 60_000 }, () => {
  let storage: Storage;
  let a: RunningProvider;
  let b: RunningProvider;

  before(async () => {
    storage = await createStorage('services');
    const portA = await freePort();
    const env = {
      ...storage.env,
      ISSUER: `http://127.0.0.1:${portA}`,
      CLIENT_REGULATION_MAX_RETRIES: '4',
      CLIENT_REGULATION_ADDRESS_MAX_FAILURES: '0',
    };
    a = await startProvider({ ...env, PORT: String(portA) });
    b = await startProvider(env);
  });
  after(async () => {
    await Promise.allSettled([a?.close(), b?.close()]);
    await storage?.dispose();
  });

  test('failures on A and B add up to one ban, seen by both', async () => {
    const { clientId } = await registerClient(
      a.app,
      { grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic' },
      // Authelia's documented digest of 'insecure_secret': each check is a slow pbkdf2.
      {
        secretDigest:
          '$pbkdf2-sha512$310000$c8p78n7pUMln0jzvd4aK4Q$JNRBzwAo0ek5qKn50cFzzvE9RXV88h1wJn5KGiHrD0YKtZaR/nCb2CJPOsKaPK0hjf.9yHxzQGZziziccp6Yng',
      },
    );
    const attempt = (instance: RunningProvider, secret: string) =>
      postForm(
        `${instance.url}/token`,
        { grant_type: 'client_credentials' },
        { authorization: basicAuth(clientId, secret) },
      );
    const statuses = [];
    for (const [n, instance] of [a, b, a, b].entries())
      statuses.push((await attempt(instance, `wrong-${n}`)).status);
    assert.deepEqual(statuses, [401, 401, 401, 401]);
    for (const instance of [a, b]) {
      const limited = await attempt(instance, 'wrong-again');
      assert.equal(limited.status, 429);
      assert.ok(Number(limited.headers.get('retry-after')) > 0);
      // Neither instance has seen the right secret succeed, so neither may spend a hash on it.
      assert.equal((await attempt(instance, 'insecure_secret')).status, 429);
    }
  });
});
