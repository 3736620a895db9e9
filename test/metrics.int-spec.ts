import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { UsersService } from '../src/users/users.service.js';
import { Browser } from './support/browser.js';
import { basicAuth, postForm, registerClient } from './support/clients.js';
import {
  createStorage,
  freePort,
  startProvider,
  type RunningProvider,
  type Storage,
} from './support/provider.js';
import { discover, signInWith, startFlow } from './support/sign-in.js';

const CB = 'https://rp.example/cb';
const PASSWORD = 'measured and counted';

interface Family {
  name: string;
  type: string;
  metrics: { labels?: Record<string, string>; value?: string; buckets?: Record<string, string> }[];
}

/**
 * Issue 15, item 6: Prometheus metrics on their own listener (METRICS_PORT), never on the
 * public port; scraped and parsed by a Prometheus text-format parser after real traffic.
 */
describe('Prometheus metrics at /metrics on METRICS_PORT', { timeout: 120_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;
  let metricsPort: number;
  let client: { clientId: string; secret?: string };
  let config: oidc.Configuration;
  const username = `mira-${randomBytes(3).toString('hex')}`;

  before(async () => {
    storage = await createStorage('services');
    metricsPort = await freePort();
    provider = await startProvider({ ...storage.env, METRICS_PORT: String(metricsPort) });
    client = await registerClient(provider.app, {
      redirect_uris: [CB],
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      scope: 'openid offline_access',
      consent_mode: 'implicit',
    });
    config = await discover(provider.config.issuer, client);
    await provider.app.get(UsersService).create({
      username,
      password: PASSWORD,
      claims: {},
      origin: 'admin',
    });
  });
  after(async () => {
    await provider?.close();
    await storage?.dispose();
  });

  async function scrape(): Promise<Map<string, Family>> {
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusTextFormat(await res.text()) as Family[];
    return new Map(families.map((f) => [f.name, f]));
  }

  const value = (families: Map<string, Family>, name: string, labels: Record<string, string>) =>
    Number(
      families
        .get(name)
        ?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
        ?.value ?? 0,
    );

  test('traffic shows in the metrics: requests, grants, OAuth errors, logins, reuse, keys', async () => {
    const before = await scrape();
    await oidc.clientCredentialsGrant(config);
    await oidc.clientCredentialsGrant(config);
    const refused = await postForm(
      `${provider.url}/token`,
      { grant_type: 'client_credentials' },
      { authorization: basicAuth(client.clientId, 'not the secret') },
    );
    assert.equal(refused.status, 401);
    await postForm(
      `${provider.url}/token`,
      { grant_type: 'urn:made:up' },
      { authorization: basicAuth(client.clientId, client.secret!) },
    );
    // A sign-in with a wrong password, then the right one; then a refresh token replayed.
    const flow = await startFlow(config, CB, { scope: 'openid' });
    const browser = new Browser(provider.url);
    const page = await browser.get(flow.url.href);
    await browser.submit(page, '/login', { username, password: 'wrong' });
    const tokens = await signInWith(
      new Browser(provider.url),
      config,
      CB,
      { username, password: PASSWORD },
      { scope: 'openid offline_access' },
    );
    await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    await assert.rejects(oidc.refreshTokenGrant(config, tokens.refresh_token!));

    const after = await scrape();
    const grew = (name: string, labels: Record<string, string>, by: number) =>
      assert.equal(
        value(after, name, labels) - value(before, name, labels),
        by,
        `${name} ${JSON.stringify(labels)}`,
      );
    grew(
      'openid_token_grants_total',
      { grant_type: 'client_credentials', client_id: client.clientId, outcome: 'success' },
      2,
    );
    grew(
      'openid_token_grants_total',
      { grant_type: 'unsupported', client_id: client.clientId, outcome: 'unsupported_grant_type' },
      1,
    );
    grew('openid_token_grants_total', { grant_type: 'refresh_token', outcome: 'invalid_grant' }, 1);
    grew('openid_oauth_errors_total', { error: 'invalid_client', status: '401' }, 1);
    grew('openid_logins_total', { outcome: 'failure' }, 1);
    grew('openid_logins_total', { outcome: 'success' }, 1);
    grew('openid_refresh_token_reuse_total', {}, 1);
    assert.ok(
      value(after, 'openid_http_requests_total', {
        route: '/token',
        method: 'POST',
        status: '200',
      }) >= 4,
    );
    const latency = after.get('openid_http_request_duration_seconds');
    assert.equal(latency?.type, 'HISTOGRAM');
    // This parser keeps a histogram's buckets but not its labels.
    assert.ok(latency.metrics.some((m) => Number(m.buckets?.['+Inf']) > 0));
    // Route patterns, never raw paths: an unknown path is one series.
    await fetch(`${provider.url}/nothing/${randomBytes(4).toString('hex')}`);
    const routes = (await scrape())
      .get('openid_http_requests_total')!
      .metrics.map((m) => m.labels!.route);
    assert.ok(routes.includes('unmatched'));
    assert.ok(!routes.some((route) => route.startsWith('/nothing')));

    const keys = after.get('openid_signing_key_age_seconds')!.metrics;
    assert.ok(keys.some((m) => m.labels?.alg === 'RS256' && m.labels.status === 'active'));
    assert.ok(keys.some((m) => m.labels?.status === 'next'));
    assert.ok(after.has('openid_process_cpu_seconds_total'), 'process metrics');
    for (const family of ['openid_dependency_errors_total', 'openid_rate_limited_total']) {
      assert.ok(after.has(family), family);
    }
  });

  test('the public port does not serve /metrics; the metrics listener serves nothing else', async () => {
    assert.equal((await fetch(`${provider.url}/metrics`)).status, 404);
    assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/`)).status, 404);
    assert.equal(
      (await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { method: 'POST' })).status,
      404,
    );
  });

  test('every series the Grafana dashboard in docs/ queries is served', async () => {
    const dashboard = readFileSync('docs/grafana-dashboard.json', 'utf8');
    const served = await scrape();
    const names = new Set(
      [...dashboard.matchAll(/openid_[a-z0-9_]+/g)].map(([name]) => name.replace(/_bucket$/, '')),
    );
    assert.ok(names.size >= 10);
    for (const name of names) assert.ok(served.has(name), name);
  });

  test('no secret reaches the metrics', async () => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    assert.ok(!text.includes(client.secret!));
    assert.ok(!text.includes(PASSWORD));
  });
});
