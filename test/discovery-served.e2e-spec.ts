import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { basicAuth, postForm, registerClient } from './support/clients.js';
import {
  createStorage,
  startProvider,
  target,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

/**
 * Discovery lists what is served, nothing before it works: every endpoint it names answers
 * (an OAuth error for an empty request, never 404), and every grant type it names is one the
 * token endpoint takes.
 */
describe(`what discovery advertises is served, on ${target}`, { timeout: 60_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;
  let metadata: Record<string, unknown>;

  before(async () => {
    storage = await createStorage();
    provider = await startProvider({ ...storage.env, REGISTRATION_MODE: 'open' });
    metadata = (await (
      await fetch(`${provider.url}/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
  });
  after(async () => {
    await provider?.close();
    await storage?.dispose();
  });

  test('every endpoint it names answers, at the address it names', async () => {
    const endpoints = Object.entries(metadata).filter(
      ([name]) => name.endsWith('_endpoint') || name === 'jwks_uri',
    ) as [string, string][];
    // How each is used: a browser GET, or a client's POST.
    const browser = new Set(['authorization_endpoint', 'end_session_endpoint']);
    const get = new Set(['jwks_uri', 'userinfo_endpoint']);
    const answers: Record<string, number> = {};
    for (const [name, url] of endpoints) {
      assert.ok(url.startsWith(provider.config.issuer), `${name} is under the issuer`);
      const res =
        browser.has(name) || get.has(name)
          ? await fetch(url, { redirect: 'manual' })
          : await fetch(url, {
              method: 'POST',
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              body: '',
            });
      await res.arrayBuffer();
      answers[name] = res.status;
    }
    for (const [name, status] of Object.entries(answers))
      assert.ok(status !== 404 && status !== 405 && status < 500, `${name}: ${status}`);
    // The endpoints of what this provider serves, and no other.
    assert.deepEqual(Object.keys(answers).sort(), [
      'authorization_endpoint',
      'device_authorization_endpoint',
      'end_session_endpoint',
      'introspection_endpoint',
      'jwks_uri',
      'pushed_authorization_request_endpoint',
      'registration_endpoint',
      'revocation_endpoint',
      'token_endpoint',
      'userinfo_endpoint',
    ]);
  });

  test('every grant type it names is taken at /token', async () => {
    const grants = metadata.grant_types_supported as string[];
    const client = await registerClient(provider.app, {
      redirect_uris: ['https://rp.example.com/cb'],
      grant_types: grants,
    });
    for (const grant of grants) {
      const answer = await postForm(
        `${provider.url}/token`,
        { grant_type: grant },
        { authorization: basicAuth(client.clientId, client.secret!) },
      );
      assert.notEqual(answer.body.error, 'unsupported_grant_type', grant);
      assert.notEqual(answer.body.error, 'unauthorized_client', grant);
      assert.ok(answer.status < 500, grant);
    }
  });
});
