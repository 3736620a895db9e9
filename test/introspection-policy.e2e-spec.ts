import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import type { User } from '../src/users/user.entity.js';
import { UsersService } from '../src/users/users.service.js';
import { postForm, registerClient } from './support/clients.js';
import { CODE_REDIRECT_URI, codeGrant, mintCode, redeemCode } from './support/codes.js';
import {
  createStorage,
  startProvider,
  target,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

type Client = { clientId: string; secret?: string };
const INVOICES = 'https://invoices.internal.example.com';

/**
 * RFC 7662 §4: a client learns about a token only if the token was issued to it, is addressed
 * to it, or the operator let it introspect any token; to every other caller it is inactive.
 */
describe(`who may introspect a token on ${target}`, { timeout: 120_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;
  let user: User;
  let caller: Client;
  let invoices: Client;
  let gateway: Client;
  let stranger: Client;
  let rp: Client;

  before(async () => {
    storage = await createStorage();
    provider = await startProvider({ ...storage.env, REGISTRATION_MODE: 'open' });
    user = await provider.app.get(UsersService).create({
      username: `ines-${randomBytes(3).toString('hex')}`,
      claims: { email: 'ines@example.com', email_verified: true },
      origin: 'admin',
    });
    const machine = {
      grant_types: ['client_credentials'],
      scope: '',
      token_endpoint_auth_method: 'client_secret_post',
    };
    caller = await registerClient(provider.app, {
      ...machine,
      scope: 'invoices:read',
      audience: [INVOICES],
    });
    invoices = await registerClient(provider.app, {
      ...machine,
      introspection_audiences: [INVOICES],
    });
    gateway = await registerClient(provider.app, { ...machine, introspect_any_token: true });
    rp = await registerClient(provider.app, {
      redirect_uris: [CODE_REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'openid email offline_access',
      token_endpoint_auth_method: 'client_secret_post',
    });
    // A self-registered client, asking for the operator's rights it may not have.
    const registered = await oidc.dynamicClientRegistration(
      new URL(provider.config.issuer),
      {
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_post',
        introspection_audiences: [INVOICES],
        introspect_any_token: true,
      },
      undefined,
      { execute: [oidc.allowInsecureRequests] },
    );
    const metadata = registered.clientMetadata();
    assert.equal(metadata.introspect_any_token, undefined, 'operator settings are not echoed');
    stranger = { clientId: metadata.client_id, secret: metadata.client_secret };
  });
  after(async () => {
    await provider?.close();
    await storage?.dispose();
  });

  const introspect = async (token: string, by: Client) =>
    (
      await postForm(`${provider.url}/introspect`, {
        token,
        client_id: by.clientId,
        client_secret: by.secret!,
      })
    ).body;

  test('an access token: its client, its audience and an operator-granted client see it; a stranger does not', async () => {
    const issued = await postForm(`${provider.url}/token`, {
      grant_type: 'client_credentials',
      scope: 'invoices:read',
      resource: INVOICES,
      client_id: caller.clientId,
      client_secret: caller.secret!,
    });
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    const token = issued.body.access_token as string;
    for (const [name, by] of [
      ['its own client', caller],
      ['the service it is addressed to', invoices],
      ['a client allowed any token', gateway],
    ] as const) {
      const seen = await introspect(token, by);
      assert.equal(seen.active, true, name);
      assert.equal(seen.client_id, caller.clientId, name);
      assert.equal(seen.aud, INVOICES, name);
    }
    assert.deepEqual(await introspect(token, stranger), { active: false }, 'nothing leaks');
    assert.deepEqual(await introspect(token, rp), { active: false }, 'another client of ours');
  });

  test("a user's access token is inactive to a service it is not addressed to", async () => {
    const code = await mintCode(
      provider,
      codeGrant(rp.clientId, user.id, { scope: ['openid', 'email', 'offline_access'] }),
    );
    const tokens = (await redeemCode(provider, rp, code)).body as {
      access_token: string;
      refresh_token: string;
    };
    assert.equal((await introspect(tokens.access_token, rp)).active, true);
    assert.deepEqual(await introspect(tokens.access_token, invoices), { active: false });
    assert.equal((await introspect(tokens.access_token, gateway)).active, true);
  });

  test('a refresh token: only its client and an operator-granted client see it', async () => {
    const code = await mintCode(
      provider,
      codeGrant(rp.clientId, user.id, { scope: ['openid', 'email', 'offline_access'] }),
    );
    const { refresh_token } = (await redeemCode(provider, rp, code)).body as {
      refresh_token: string;
    };
    assert.equal((await introspect(refresh_token, rp)).token_type, 'refresh_token');
    assert.equal((await introspect(refresh_token, gateway)).active, true);
    assert.deepEqual(await introspect(refresh_token, invoices), { active: false });
    assert.deepEqual(await introspect(refresh_token, stranger), { active: false });
  });
});
