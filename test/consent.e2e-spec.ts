import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Client } from '../src/clients/client.entity.js';
import { ClientsService } from '../src/clients/clients.service.js';
import { ConsentService } from '../src/consent/consent.service.js';
import type { User } from '../src/users/user.entity.js';
import { UsersService } from '../src/users/users.service.js';
import { registerClient } from './support/clients.js';
import { MovableClock } from './support/clock.js';
import {
  createStorage,
  startProvider,
  target,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

describe(`consent on ${target}`, { timeout: 120_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;
  let consents: ConsentService;
  let user: User;
  /** The provider's: a test moves it past a consent's duration instead of sleeping. */
  const clock = new MovableClock();

  before(async () => {
    storage = await createStorage();
    provider = await startProvider(storage.env, { clock });
    consents = provider.app.get(ConsentService);
    user = await newUser();
  });
  after(async () => {
    await provider?.close();
    await storage?.dispose();
  });

  async function newUser(): Promise<User> {
    return provider.app.get(UsersService).create({
      username: `dana-${randomBytes(4).toString('hex')}`,
      claims: {},
      origin: 'admin',
    });
  }

  async function client(settings: Record<string, unknown> = {}): Promise<Client> {
    const { clientId } = await registerClient(provider.app, {
      redirect_uris: ['https://app.example.com/cb'],
      scope: 'openid profile email phone',
      ...settings,
    });
    return (await provider.app.get(ClientsService).find(clientId))!;
  }

  const ask = (c: Client, scopes: string[], extra: { claims?: string[]; forced?: boolean } = {}) =>
    consents.needed({
      userId: user.id,
      client: c,
      scopes,
      claims: extra.claims ?? [],
      forced: extra.forced ?? false,
    });
  const grant = (c: Client, scopes: string[], claims: string[] = [], userId = user.id) =>
    consents.remember({ userId, client: c, scopes, claims });

  test('a client with no mode: asked once, then remembered; more scopes or claims ask again', async () => {
    const c = await client();
    assert.equal(await ask(c, ['openid', 'email']), true);
    await grant(c, ['openid', 'email']);
    assert.equal(await ask(c, ['openid', 'email']), false);
    assert.equal(await ask(c, ['openid']), false, 'less than granted');
    assert.equal(await ask(c, ['openid', 'email', 'profile']), true, 'more than granted');
    assert.equal(await ask(c, ['openid'], { claims: ['phone_number'] }), true, 'a new claim');
    await grant(c, ['profile'], ['phone_number']);
    assert.equal(await ask(c, ['openid', 'email', 'profile'], { claims: ['phone_number'] }), false);
    assert.equal(await ask(c, ['openid'], { forced: true }), true, 'prompt=consent always asks');
    const listed = await consents.list(user.id);
    const row = listed.find((l) => l.clientId === c.clientId)!;
    assert.deepEqual(row.scopes.sort(), ['email', 'openid', 'profile']);
    assert.deepEqual(row.claims, ['phone_number']);
  });

  test('explicit asks every time and remembers nothing; implicit never asks', async () => {
    const explicit = await client({ consent_mode: 'explicit' });
    await grant(explicit, ['openid']);
    assert.equal(await ask(explicit, ['openid']), true);
    assert.equal(
      (await consents.list(user.id)).some((l) => l.clientId === explicit.clientId),
      false,
    );
    const implicit = await client({ consent_mode: 'implicit' });
    assert.equal(await ask(implicit, ['openid', 'email']), false);
    assert.equal(await ask(implicit, ['openid'], { forced: true }), true);
  });

  test('pre-configured consent lasts the client’s duration', async () => {
    const c = await client({
      consent_mode: 'pre-configured',
      pre_configured_consent_duration: '1s',
    });
    await grant(c, ['openid']);
    assert.equal(await ask(c, ['openid']), false);
    clock.advance(1_200);
    assert.equal(await ask(c, ['openid']), true, 'expired');
    assert.equal(
      (await consents.list(user.id)).some((l) => l.clientId === c.clientId),
      false,
    );
  });

  test('concurrent grants keep one row; revoking forgets; deleting the client or user removes it', async () => {
    const c = await client();
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => grant(c, ['openid', i % 2 ? 'email' : 'profile'])),
    );
    const rows = (await consents.list(user.id)).filter((l) => l.clientId === c.clientId);
    assert.equal(rows.length, 1);
    assert.deepEqual(rows[0].scopes.sort(), ['email', 'openid', 'profile'], 'nothing lost');
    assert.equal(await consents.revoke(user.id, c.clientId), true);
    assert.equal(await ask(c, ['openid']), true);
    assert.equal(await consents.revoke(user.id, c.clientId), false);

    const other = await newUser();
    await grant(c, ['openid'], [], other.id);
    await provider.app.get(ClientsService).delete(c.clientId);
    assert.deepEqual(await consents.list(other.id), [], 'gone with the client');
    const d = await client();
    await grant(d, ['openid'], [], other.id);
    await provider.app.get(UsersService).delete(other.id);
    assert.deepEqual(await consents.list(other.id), [], 'gone with the user');
  });
});
