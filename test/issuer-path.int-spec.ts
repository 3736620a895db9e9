import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createStorage,
  freePort,
  startProvider,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

describe('an issuer with a path', { timeout: 60_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;
  let issuer: string;

  before(async () => {
    storage = await createStorage('services');
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}/tenant/a`;
    provider = await startProvider({ ...storage.env, PORT: String(port), ISSUER: issuer });
  });
  after(async () => {
    await provider?.close();
    await storage?.dispose();
  });

  test('discovery is at the issuer plus /.well-known/openid-configuration (Discovery §4)', async () => {
    const res = await fetch(`${issuer}/.well-known/openid-configuration`);
    assert.equal(res.status, 200);
    const doc = (await res.json()) as Record<string, string>;
    assert.equal(doc.issuer, issuer);
    assert.equal(doc.jwks_uri, `${issuer}/jwks`);
    assert.equal((await fetch(doc.jwks_uri)).status, 200, 'the advertised jwks_uri is served');
  });

  test('RFC 8414 metadata has the well-known segment before the path (§3.1)', async () => {
    const res = await fetch(`${provider.url}/.well-known/oauth-authorization-server/tenant/a`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as Record<string, string>).issuer, issuer);
  });

  test("the pages' stylesheet and favicon are linked and served under the path", async () => {
    const page = await fetch(`${issuer}/authorize?client_id=nobody&response_type=code`);
    assert.equal(page.status, 400);
    const html = await page.text();
    for (const href of [
      /<link rel="stylesheet" href="([^"]+)">/.exec(html)?.[1],
      /<link rel="icon" href="([^"]+)">/.exec(html)?.[1],
    ]) {
      assert.match(href ?? '', /^\/tenant\/a\/assets\/(pages|favicon)\.[\w-]{16}\.(css|svg)$/);
      assert.equal((await fetch(`${provider.url}${href}`)).status, 200);
    }
  });

  test('probes stay at the root; nothing is served outside the path', async () => {
    assert.equal((await fetch(`${provider.url}/health/live`)).status, 200);
    assert.equal((await fetch(`${provider.url}/health/ready`)).status, 200);
    assert.equal((await fetch(`${provider.url}/jwks`)).status, 404);
    assert.equal((await fetch(`${provider.url}/.well-known/openid-configuration`)).status, 404);
  });
});
