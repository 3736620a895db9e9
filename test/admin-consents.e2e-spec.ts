import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ClientsService } from '../src/clients/clients.service.js';
import { ConsentService } from '../src/consent/consent.service.js';
import { UsersService } from '../src/users/users.service.js';
import { ADMIN_ENV, adminToken, api } from './support/admin.js';
import { postForm, registerClient } from './support/clients.js';
import { CODE_REDIRECT_URI, codeGrant, mintCode, redeemCode } from './support/codes.js';
import {
  createStorage,
  startProvider,
  target,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

describe(`admin API for consents on ${target}`, { timeout: 120_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;
  let token: string;

  before(async () => {
    storage = await createStorage();
    provider = await startProvider({ ...storage.env, ...ADMIN_ENV });
    token = await adminToken(provider);
  });
  after(async () => {
    await provider?.close();
    await storage?.dispose();
  });

  test('list a user’s consents; revoking one stops the refresh tokens it allowed', async () => {
    const user = await provider.app.get(UsersService).create({
      username: `olga-${randomBytes(3).toString('hex')}`,
      claims: {},
      origin: 'admin',
    });
    const client = await registerClient(provider.app, {
      redirect_uris: [CODE_REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'openid offline_access',
      token_endpoint_auth_method: 'client_secret_post',
    });
    const entity = (await provider.app.get(ClientsService).find(client.clientId))!;
    await provider.app.get(ConsentService).remember({
      userId: user.id,
      client: entity,
      scopes: ['openid', 'offline_access'],
      claims: [],
    });
    const code = await mintCode(
      provider,
      codeGrant(client.clientId, user.id, { scope: ['openid', 'offline_access'] }),
    );
    const tokens = await redeemCode(provider, client, code);
    const refreshToken = tokens.body.refresh_token as string;
    assert.ok(refreshToken);

    const base = `${provider.url}/admin/users/${user.id}/consents`;
    assert.equal((await api(base, undefined)).status, 401);
    const listed = await api(base, token);
    assert.equal(listed.status, 200, listed.text);
    const consents = listed.body.consents as { client_id: string; scopes: string[] }[];
    assert.equal(consents.length, 1);
    assert.equal(consents[0].client_id, client.clientId);
    assert.deepEqual(consents[0].scopes.sort(), ['offline_access', 'openid']);

    const revoked = await api(`${base}/${encodeURIComponent(client.clientId)}`, token, {
      method: 'DELETE',
    });
    assert.equal(revoked.status, 204, revoked.text);
    assert.deepEqual((await api(base, token)).body.consents, []);
    const refused = await postForm(`${provider.url}/token`, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: client.clientId,
      client_secret: client.secret!,
    });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, 'invalid_grant');

    const again = await api(`${base}/${encodeURIComponent(client.clientId)}`, token, {
      method: 'DELETE',
    });
    assert.equal(again.status, 404);
    const unknownUser = await api(
      `${provider.url}/admin/users/00000000-0000-4000-8000-000000000000/consents`,
      token,
    );
    assert.equal(unknownUser.status, 404);
    assert.equal((await api(`${provider.url}/admin/users/not-a-uuid/consents`, token)).status, 404);
  });

  test('a client that keeps no consent record (implicit): revoking stops its refresh tokens; with nothing left, 404', async () => {
    const user = await provider.app.get(UsersService).create({
      username: `ivan-${randomBytes(3).toString('hex')}`,
      claims: {},
      origin: 'admin',
    });
    const client = await registerClient(provider.app, {
      redirect_uris: [CODE_REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'openid offline_access',
      token_endpoint_auth_method: 'client_secret_post',
      consent_mode: 'implicit',
    });
    const code = await mintCode(
      provider,
      codeGrant(client.clientId, user.id, { scope: ['openid', 'offline_access'] }),
    );
    const tokens = await redeemCode(provider, client, code);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    const base = `${provider.url}/admin/users/${user.id}/consents`;
    assert.deepEqual((await api(base, token)).body.consents, [], 'no record');

    const path = `${base}/${encodeURIComponent(client.clientId)}`;
    const revoked = await api(path, token, { method: 'DELETE' });
    assert.equal(revoked.status, 204, revoked.text);
    const introspected = await postForm(`${provider.url}/introspect`, {
      token: tokens.body.access_token as string,
      client_id: client.clientId,
      client_secret: client.secret!,
    });
    assert.equal(introspected.body.active, false, 'the access token issued beside it too');
    const refused = await postForm(`${provider.url}/token`, {
      grant_type: 'refresh_token',
      refresh_token: tokens.body.refresh_token as string,
      client_id: client.clientId,
      client_secret: client.secret!,
    });
    assert.equal(refused.body.error, 'invalid_grant');
    assert.equal((await api(path, token, { method: 'DELETE' })).status, 404, 'nothing left');
  });
});
