import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { UsersService } from '../src/users/users.service.js';
import { postForm, registerClient } from './support/clients.js';
import { CODE_REDIRECT_URI, codeGrant, mintCode, redeemCode } from './support/codes.js';
import {
  createStorage,
  freePort,
  startProvider,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

/** Refresh-token rotation decided by Postgres, not by either instance's memory. */
describe('refresh tokens across two instances', { timeout: 60_000 }, () => {
  let storage: Storage;
  let a: RunningProvider;
  let b: RunningProvider;

  before(async () => {
    storage = await createStorage('services');
    const portA = await freePort();
    const env = { ...storage.env, ISSUER: `http://127.0.0.1:${portA}` };
    a = await startProvider({ ...env, PORT: String(portA) });
    b = await startProvider(env);
  });
  after(async () => {
    await Promise.allSettled([a?.close(), b?.close()]);
    await storage?.dispose();
  });

  test('fifty concurrent refreshes over A and B: exactly one new pair, the family intact', async () => {
    const user = await a.app.get(UsersService).create({
      username: `nora-${randomBytes(3).toString('hex')}`,
      claims: {},
      origin: 'admin',
    });
    const client = await registerClient(a.app, {
      redirect_uris: [CODE_REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'openid offline_access',
      token_endpoint_auth_method: 'client_secret_post',
    });
    for (let round = 0; round < 3; round++) {
      const code = await mintCode(
        a,
        codeGrant(client.clientId, user.id, { scope: ['openid', 'offline_access'] }),
      );
      const first = await redeemCode(a, client, code);
      const token = first.body.refresh_token as string;
      assert.ok(token);
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          postForm(`${(i % 2 ? a : b).url}/token`, {
            grant_type: 'refresh_token',
            refresh_token: token,
            client_id: client.clientId,
            client_secret: client.secret!,
          }),
        ),
      );
      const winners = results.filter((r) => r.status === 200);
      assert.equal(winners.length, 1, `round ${round}: one winner`);
      assert.ok(results.every((r) => r.status === 200 || r.body.error === 'invalid_grant'));
      const next = await postForm(`${b.url}/token`, {
        grant_type: 'refresh_token',
        refresh_token: winners[0].body.refresh_token as string,
        client_id: client.clientId,
        client_secret: client.secret!,
      });
      assert.equal(next.status, 200, 'the winner’s family is intact');
    }
  });
});
