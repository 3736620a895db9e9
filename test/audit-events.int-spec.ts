import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import { AuditLog } from '../src/audit/audit-log.js';
import { ADMIN_ENV, adminToken, api } from './support/admin.js';
import { Browser } from './support/browser.js';
import { registerClient } from './support/clients.js';
import { MovableClock } from './support/clock.js';
import {
  createStorage,
  startProvider,
  type RunningProvider,
  type Storage,
} from './support/provider.js';
import { discover, signInWith, startFlow } from './support/sign-in.js';

const CB = 'https://rp.example/cb';
const PASSWORD = 'an audited password';
const DAY = 86_400_000;

interface Event {
  id: string;
  at: string;
  type: string;
  actor: string | null;
  user_id: string | null;
  client_id: string | null;
  address: string | null;
  detail: Record<string, unknown>;
}

/**
 * Issue 15, item 8: sign-ins (success, failure, lockout), sign-outs, consents, refresh-token
 * reuse, admin actions and key events are recorded in Postgres and listed through the admin
 * API with filters and paging; AUDIT_RETENTION prunes them by age.
 */
describe('audit events through the admin API', { timeout: 120_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;
  let token: string;
  let config: oidc.Configuration;
  const clock = new MovableClock();
  const run = randomBytes(3).toString('hex');
  const users = { ada: '', bob: '' };

  before(async () => {
    storage = await createStorage('services');
    provider = await startProvider(
      { ...storage.env, ...ADMIN_ENV, REGULATION_MAX_RETRIES: '2', AUDIT_RETENTION: '30d' },
      { clock },
    );
    token = await adminToken(provider);
    const client = await registerClient(provider.app, {
      redirect_uris: [CB],
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'openid offline_access',
      consent_mode: 'pre-configured',
    });
    config = await discover(provider.config.issuer, client);
    for (const name of ['ada', 'bob'] as const) {
      const created = await api(`${provider.url}/admin/users`, token, {
        method: 'POST',
        body: { username: `${name}-${run}`, password: PASSWORD },
      });
      assert.equal(created.status, 201, created.text);
      users[name] = created.body.id as string;
    }
  });
  after(async () => {
    await provider?.close();
    await storage?.dispose();
  });

  const list = async (query = '') => {
    const res = await api(`${provider.url}/admin/audit-events${query}`, token);
    assert.equal(res.status, 200, res.text);
    return res.body as { events: Event[]; next?: string };
  };

  const wrongPassword = async (username: string) => {
    const flow = await startFlow(config, CB, { scope: 'openid' });
    const browser = new Browser(provider.url);
    await browser.submit(await browser.get(flow.url.href), '/login', {
      username,
      password: 'not the password',
    });
  };

  test('each kind of event is recorded, with who, what and from where', async () => {
    // Bob: two wrong passwords (REGULATION_MAX_RETRIES=2), then locked out.
    await wrongPassword(`bob-${run}`);
    await wrongPassword(`bob-${run}`);
    await wrongPassword(`bob-${run}`);
    await wrongPassword(`nobody-${run}`);
    // Ada: signs in and consents, replays a refresh token, is signed out by an admin.
    const browser = new Browser(provider.url);
    const tokens = await signInWith(
      browser,
      config,
      CB,
      { username: `ada-${run}`, password: PASSWORD },
      { scope: 'openid offline_access', prompt: 'consent' },
    );
    await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    await assert.rejects(oidc.refreshTokenGrant(config, tokens.refresh_token!));
    const base = `${provider.url}/admin/users/${users.ada}`;
    assert.equal(
      (
        await api(`${base}/consents/${config.clientMetadata().client_id}`, token, {
          method: 'DELETE',
        })
      ).status,
      204,
    );
    assert.equal((await api(`${base}/sessions`, token, { method: 'DELETE' })).status, 204);
    const rotated = await api(`${provider.url}/admin/keys/rotate`, token, {
      method: 'POST',
      body: { algorithms: ['RS256'], emergency: true },
    });
    assert.equal(rotated.status, 200, rotated.text);

    const { events } = await list('?limit=200');
    const of = (type: string) => events.filter((e) => e.type === type);
    assert.deepEqual(
      of('login.failure').map((e) => [e.user_id, e.detail.reason, e.address]),
      [
        [null, 'unknown_user', '127.0.0.1'],
        [users.bob, 'wrong_password', '127.0.0.1'],
        [users.bob, 'wrong_password', '127.0.0.1'],
      ],
    );
    assert.match(String(of('login.failure')[0].detail.name), /^#[A-Za-z0-9_-]{12}$/);
    assert.deepEqual(
      of('login.locked').map((e) => [e.user_id, e.detail.reason]),
      [[users.bob, 'user_banned']],
    );
    assert.deepEqual(
      of('login.success').map((e) => e.user_id),
      [users.ada],
    );
    const clientId = config.clientMetadata().client_id;
    assert.deepEqual(
      of('consent.granted').map((e) => [e.user_id, e.client_id, e.detail.scopes]),
      [[users.ada, clientId, ['openid', 'offline_access']]],
    );
    assert.deepEqual(
      of('consent.revoked').map((e) => [e.user_id, e.client_id]),
      [[users.ada, clientId]],
    );
    assert.deepEqual(
      of('refresh_token.reuse').map((e) => [e.user_id, e.client_id]),
      [[users.ada, clientId]],
    );
    assert.deepEqual(
      of('logout').map((e) => e.user_id),
      [users.ada],
    );
    assert.ok(of('key.created').length >= 1 || of('key.promoted').length >= 1, 'key events');
    const actions = of('admin.action').map((e) => [
      e.actor,
      e.detail.method,
      e.detail.route,
      e.detail.status,
    ]);
    for (const expected of [
      [ADMIN_ENV.ADMIN_CLIENT_ID, 'POST', '/admin/users', 201],
      [ADMIN_ENV.ADMIN_CLIENT_ID, 'DELETE', '/admin/users/:id/consents/:clientId', 204],
      [ADMIN_ENV.ADMIN_CLIENT_ID, 'DELETE', '/admin/users/:id/sessions', 204],
      [ADMIN_ENV.ADMIN_CLIENT_ID, 'POST', '/admin/keys/rotate', 200],
    ]) {
      assert.ok(
        actions.some((a) => JSON.stringify(a) === JSON.stringify(expected)),
        `${JSON.stringify(expected)} in ${JSON.stringify(actions)}`,
      );
    }
    // Newest first, and nothing secret: no password, no token, no body of an admin call.
    assert.deepEqual(
      events.map((e) => Number(e.id)),
      events.map((e) => Number(e.id)).sort((x, y) => y - x),
    );
    const text = JSON.stringify(events);
    for (const secret of [
      PASSWORD,
      'not the password',
      tokens.refresh_token!,
      tokens.access_token,
    ]) {
      assert.ok(!text.includes(secret), 'no secret in the audit log');
    }
  });

  test('filters and paging', async () => {
    const failures = await list(`?type=login.failure&user_id=${users.bob}`);
    assert.equal(failures.events.length, 2);
    assert.ok(failures.events.every((e) => e.type === 'login.failure' && e.user_id === users.bob));
    const all = (await list('?limit=200')).events;
    const seen: string[] = [];
    let next: string | undefined;
    do {
      const page = await list(`?limit=3${next ? `&after=${next}` : ''}`);
      assert.ok(page.events.length <= 3);
      seen.push(...page.events.map((e) => e.id));
      next = page.next;
    } while (next);
    assert.deepEqual(
      seen,
      all.map((e) => e.id),
      'pages cover every event once, in order',
    );
    const future = new Date(clock.now() + DAY).toISOString();
    assert.deepEqual((await list(`?since=${encodeURIComponent(future)}`)).events, []);
    assert.equal(
      (await list(`?until=${encodeURIComponent(future)}&limit=200`)).events.length,
      all.length,
    );
    const byClient = await list(
      `?client_id=${encodeURIComponent(config.clientMetadata().client_id)}`,
    );
    assert.ok(byClient.events.length >= 3);
  });

  test('bad filters are a 400 naming them', async () => {
    for (const [query, name] of [
      ['?type=not%20a%20type', 'type'],
      ['?user_id=not-a-uuid', 'user_id'],
      ['?since=yesterday', 'since'],
      ['?until=2026-13-45T99:00:00Z', 'until'],
      ['?after=abc', 'after'],
      ['?after=9999999999999999999', 'after'],
      ['?limit=0', 'limit'],
      ['?limit=1000', 'limit'],
    ]) {
      const res = await api(`${provider.url}/admin/audit-events${query}`, token);
      assert.equal(res.status, 400, query);
      assert.equal(res.body.error, 'invalid_request');
      assert.match(String(res.body.error_description), new RegExp(name), query);
    }
    assert.equal((await api(`${provider.url}/admin/audit-events`, undefined)).status, 401);
  });

  test('AUDIT_RETENTION prunes events by age', async () => {
    const before = (await list('?limit=200')).events.length;
    assert.ok(before > 0);
    clock.advance(29 * DAY);
    assert.equal(await provider.app.get(AuditLog).prune(), 0);
    clock.advance(2 * DAY);
    assert.ok(((await provider.app.get(AuditLog).prune()) ?? 0) >= before);
    // The admin token of before has expired on the moved clock.
    token = await adminToken(provider);
    assert.deepEqual((await list()).events, []);
  });
});
