import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { Client } from '../src/clients/client.entity.js';
import { basicAuth, postForm } from './support/clients.js';
import {
  createStorage,
  startProvider,
  target,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

/** An Authelia digest of the secret "insecure_secret" (Authelia's documentation example). */
const PBKDF2_DIGEST =
  '$pbkdf2-sha512$310000$c8p78n7pUMln0jzvd4aK4Q$JNRBzwAo0ek5qKn50cFzzvE9RXV88h1wJn5KGiHrD0YKtZaR/nCb2CJPOsKaPK0hjf.9yHxzQGZziziccp6Yng';
const PLAIN_SECRET = 'a-static-secret-of-more-than-32-characters';

const file = (extra = '') => `
clients:
  - client_id: inventory
    client_name: Inventory service
    client_secret: '$plaintext$${PLAIN_SECRET}'
    grant_types: [client_credentials]
    scopes: [inventory:read]
    audience: [https://inventory.example]
    lifespans: { access_token: 5m }
  - id: authelia-style
    description: Pasted from an Authelia configuration
    secret: '${PBKDF2_DIGEST}'
    authorization_policy: two_factor
    redirect_uris: [https://app.example.com/oauth2/callback]
    scopes: [openid, groups, email, profile]
    grant_types: [authorization_code, client_credentials]
    userinfo_signing_algorithm: none
${extra}`;

describe(`static clients from CLIENTS_FILE on ${target}`, { timeout: 120_000 }, () => {
  let storage: Storage;
  let dir: string;
  let path: string;
  let provider: RunningProvider | undefined;

  before(async () => {
    storage = await createStorage();
    dir = mkdtempSync(join(tmpdir(), 'op-clients-'));
    path = join(dir, 'clients.yml');
  });
  after(async () => {
    await provider?.close();
    await storage?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const rows = async (p: RunningProvider) =>
    (
      await p.app
        .get(DataSource)
        .getRepository(Client)
        .find({ order: { clientId: 'ASC' } })
    ).map((c) => ({ id: c.clientId, updated: c.updatedAt.getTime(), metadata: c.metadata }));

  test('the clients are created at boot and work at /token with both kinds of secret', async () => {
    writeFileSync(path, file());
    provider = await startProvider({ ...storage.env, CLIENTS_FILE: path });
    const inventory = await postForm(
      `${provider.url}/token`,
      { grant_type: 'client_credentials', scope: 'inventory:read' },
      { authorization: basicAuth('inventory', PLAIN_SECRET) },
    );
    assert.equal(inventory.status, 200);
    assert.equal(inventory.body.expires_in, 300, 'the per-client lifespan applies');
    const authelia = await postForm(
      `${provider.url}/token`,
      { grant_type: 'client_credentials', scope: 'groups' },
      { authorization: basicAuth('authelia-style', 'insecure_secret') },
    );
    assert.equal(authelia.status, 200, JSON.stringify(authelia.body));
    const stored = await rows(provider);
    assert.deepEqual(
      stored.map((r) => r.id),
      ['authelia-style', 'inventory'],
    );
    assert.equal(stored[0].metadata.authorization_policy, 'two_factor');
    assert.equal(stored[0].metadata.userinfo_signed_response_alg, undefined);
  });

  test('a second boot with the same file writes nothing', async () => {
    const before = await rows(provider!);
    await provider!.close();
    provider = await startProvider({ ...storage.env, CLIENTS_FILE: path });
    assert.deepEqual(await rows(provider), before);
  });

  test('a changed entry is updated, the others are left alone', async () => {
    const before = await rows(provider!);
    await provider!.close();
    writeFileSync(path, file().replace('Inventory service', 'Inventory service v2'));
    provider = await startProvider({ ...storage.env, CLIENTS_FILE: path });
    const after = await rows(provider);
    assert.equal(after[1].metadata.client_name, 'Inventory service v2');
    assert.ok(after[1].updated > before[1].updated);
    assert.deepEqual(after[0], before[0]);
  });

  for (const [name, extra, message] of [
    [
      'an invalid redirect URI',
      '  - client_id: broken\n    client_secret: "$plaintext$' +
        PLAIN_SECRET +
        '"\n    redirect_uris: [http://evil.example/cb]\n',
      /CLIENTS_FILE clients\[2\] \(broken\): invalid_redirect_uri: redirect_uris\[0\] must use https/,
    ],
    [
      'a secret in the clear without $plaintext$',
      '  - client_id: clear\n    client_secret: hunter2hunter2\n    grant_types: [client_credentials]\n',
      /CLIENTS_FILE clients\[2\] \(clear\): secret must be a digest/,
    ],
    [
      'a plain-text secret under 32 characters',
      '  - client_id: short\n    client_secret: "$plaintext$tooShort123"\n    grant_types: [client_credentials]\n',
      /short.*client_secret must be at least 32 characters/,
    ],
    [
      'a repeated id',
      '  - client_id: inventory\n    grant_types: [client_credentials]\n',
      /the id inventory appears twice/,
    ],
  ] as const) {
    test(`a file with ${name} stops start-up with a message naming the entry`, async () => {
      await provider?.close();
      provider = undefined;
      writeFileSync(path, file(extra));
      await assert.rejects(startProvider({ ...storage.env, CLIENTS_FILE: path }), (e: Error) => {
        assert.match(e.message, message);
        assert.doesNotMatch(e.message, /hunter2/, 'a secret never reaches the message');
        return true;
      });
    });
  }

  test('a missing file stops start-up', async () => {
    await assert.rejects(
      startProvider({ ...storage.env, CLIENTS_FILE: join(dir, 'nope.yml') }),
      /CLIENTS_FILE .*nope\.yml cannot be read: ENOENT/,
    );
  });
});
