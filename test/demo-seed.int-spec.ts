import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_DEFAULTS } from '../examples/rp.js';
import { ClientsService } from '../src/clients/clients.service.js';
import { DEMO_CLIENT, DEMO_USER } from '../src/demo/demo-seed.js';
import { UsersService } from '../src/users/users.service.js';
import { createStorage, startProvider, type Storage } from './support/provider.js';

/** What the demo seed left in a running provider. */
async function demoRecords(provider: Awaited<ReturnType<typeof startProvider>>) {
  const users = provider.app.get(UsersService);
  const clients = provider.app.get(ClientsService);
  return {
    user: await users.findByUsername(DEMO_USER.username),
    client: await clients.find(DEMO_CLIENT.clientId),
  };
}

/**
 * The demo user and client exist on the embedded default and nowhere else. DEMO_SEED is
 * passed as `auto` (its default) because the test helper turns it off for every other suite.
 */
describe('demo seed', { timeout: 180_000 }, () => {
  const storages: Storage[] = [];
  after(async () => {
    for (const storage of storages) await storage.dispose();
  });

  test('on the embedded default: the demo user and client, the how-to in the log, and a second boot changes nothing', async () => {
    const storage = await createStorage('embedded');
    storages.push(storage);
    const logLines: string[] = [];
    let provider = await startProvider({ ...storage.env, DEMO_SEED: 'auto' }, { logLines });
    let firstUserId: string;
    try {
      const { user, client } = await demoRecords(provider);
      assert.ok(user, 'the demo user exists');
      assert.equal(user.origin, 'demo');
      assert.equal(user.claims.email, DEMO_USER.claims.email);
      firstUserId = user.id;
      const users = provider.app.get(UsersService);
      assert.ok(
        await users.checkPassword(DEMO_USER.username, DEMO_USER.password),
        'the documented password signs in',
      );
      assert.ok(client, 'the demo client exists');
      assert.equal(client.origin, 'demo');
      assert.deepEqual(client.metadata.redirect_uris, DEMO_CLIENT.metadata.redirect_uris);
      assert.equal(client.metadata.token_endpoint_auth_method, 'client_secret_basic');
      assert.equal(client.metadata.scope, 'openid profile email');
      assert.ok(
        await provider.app.get(ClientsService).verifySecret(client, DEMO_CLIENT.secret),
        'the documented secret authenticates',
      );
      const howTo = logLines.find((l) => l.includes('npm run example:rp'));
      assert.ok(howTo, `a log line tells how to try it:\n${logLines.join('')}`);
      assert.match(howTo, /"level":30/, 'at info');
      assert.match(howTo, /sign in as demo with the password demo-password/);
      assert.match(howTo, /http:\/\/localhost:3000/);
    } finally {
      await provider.close();
    }

    // Idempotent: the same folder boots again with the same records and no error.
    logLines.length = 0;
    provider = await startProvider({ ...storage.env, DEMO_SEED: 'auto' }, { logLines });
    try {
      const { user, client } = await demoRecords(provider);
      assert.equal(user?.id, firstUserId);
      assert.equal(client?.origin, 'demo');
      assert.ok(!logLines.some((l) => /Demo: (user|client) .* created/.test(l)));
      assert.ok(logLines.some((l) => l.includes('npm run example:rp')));
    } finally {
      await provider.close();
    }
  });

  test('the example relying party defaults to exactly the demo client and its URIs', () => {
    assert.equal(DEMO_DEFAULTS.clientId, DEMO_CLIENT.clientId);
    assert.equal(DEMO_DEFAULTS.clientSecret, DEMO_CLIENT.secret);
    const base = `http://localhost:${DEMO_DEFAULTS.port}`;
    assert.ok(
      (DEMO_CLIENT.metadata.redirect_uris as readonly string[]).includes(`${base}/callback`),
    );
    assert.ok(
      (DEMO_CLIENT.metadata.post_logout_redirect_uris as readonly string[]).includes(`${base}/`),
    );
    assert.equal(DEMO_CLIENT.metadata.frontchannel_logout_uri, `${base}/frontchannel-logout`);
    assert.equal(DEMO_CLIENT.metadata.backchannel_logout_uri, `${base}/backchannel-logout`);
  });

  test('on real services (DATABASE_URL): no demo user, no demo client', async () => {
    const storage = await createStorage('services');
    storages.push(storage);
    const logLines: string[] = [];
    const provider = await startProvider({ ...storage.env, DEMO_SEED: 'auto' }, { logLines });
    try {
      const { user, client } = await demoRecords(provider);
      assert.equal(user, null);
      assert.equal(client, undefined);
      assert.ok(!logLines.some((l) => l.includes('example:rp')));
    } finally {
      await provider.close();
    }
  });

  test('DEMO_SEED=off on the embedded default seeds nothing; a user named demo made another way is never taken over', async () => {
    const storage = await createStorage('embedded');
    storages.push(storage);
    let provider = await startProvider({ ...storage.env, DEMO_SEED: 'off' });
    try {
      const { user, client } = await demoRecords(provider);
      assert.equal(user, null);
      assert.equal(client, undefined);
      await provider.app.get(UsersService).create({
        username: 'Demo',
        password: 'someone-elses-password',
        claims: { name: 'Not the demo' },
        origin: 'admin',
      });
    } finally {
      await provider.close();
    }

    const logLines: string[] = [];
    provider = await startProvider({ ...storage.env, DEMO_SEED: 'auto' }, { logLines });
    try {
      const { user, client } = await demoRecords(provider);
      assert.equal(user?.origin, 'admin');
      assert.equal(user?.claims.name, 'Not the demo');
      assert.equal(
        await provider.app.get(UsersService).checkPassword(DEMO_USER.username, DEMO_USER.password),
        undefined,
      );
      assert.equal(client?.origin, 'demo', 'the client is still seeded');
      assert.ok(logLines.some((l) => /"level":40.*a user named demo exists/.test(l)));
      assert.ok(!logLines.some((l) => l.includes('npm run example:rp')), 'no false how-to');
    } finally {
      await provider.close();
    }
  });
});
