import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type * as oidc from 'openid-client';
import { UsersService } from '../src/users/users.service.js';
import { Browser, type Visit } from './support/browser.js';
import { registerClient } from './support/clients.js';
import {
  createStorage,
  eventually,
  freePort,
  startProvider,
  type RunningProvider,
  type Storage,
} from './support/provider.js';
import { discover, finishFlow, startFlow } from './support/sign-in.js';
import { TcpProxy } from './support/tcp-proxy.js';

const CB = 'https://rp.example.com/cb';
const PASSWORD = 'patient and parallel';

/**
 * Sign-in through the pages of two instances whose Postgres connections go through a proxy
 * the test can cut (issue 12, finding 7): with REGULATION_MAX_RETRIES=3, parallel sign-ins
 * with the right password all succeed, a form sent three times makes one session, and
 * attempts that failed because Postgres was away count nothing once it is back.
 */
describe(
  'sign-in under concurrency and a Postgres outage, two instances',
  { timeout: 120_000 },
  () => {
    let storage: Storage;
    let proxy: TcpProxy;
    let a: RunningProvider;
    let b: RunningProvider;
    let config: oidc.Configuration;
    const run = randomBytes(3).toString('hex');

    before(async () => {
      storage = await createStorage('services');
      proxy = await TcpProxy.start(storage.databaseUrl!);
      const portA = await freePort();
      const env = {
        ...storage.env,
        DATABASE_URL: proxy.urlFor(storage.databaseUrl!),
        ISSUER: `http://127.0.0.1:${portA}`,
        REGULATION_MAX_RETRIES: '3',
        REGULATION_FIND_TIME: '2m',
        REGULATION_BAN_TIME: '5m',
      };
      a = await startProvider({ ...env, PORT: String(portA) });
      b = await startProvider(env);
      const client = await registerClient(a.app, {
        redirect_uris: [CB],
        scope: 'openid',
        consent_mode: 'implicit',
      });
      config = await discover(a.config.issuer, client);
    });
    after(async () => {
      await Promise.allSettled([a?.close(), b?.close()]);
      await proxy?.close();
      await storage?.dispose();
    });

    const user = (name: string) =>
      a.app.get(UsersService).create({
        username: `${name}-${run}`,
        password: PASSWORD,
        claims: {},
        origin: 'admin',
      });

    /** A fresh browser at the login page of a new code flow, on the instance given. */
    async function loginPage(on: RunningProvider) {
      const flow = await startFlow(config, CB, { scope: 'openid' });
      const browser = new Browser(on.url);
      const page = await browser.get(`${on.url}${flow.url.pathname}${flow.url.search}`);
      assert.ok(isLoginPage(page), `expected the login page, got ${page.status} ${page.url}`);
      return { browser, page, flow };
    }
    const isLoginPage = (page: Visit) =>
      Browser.forms(page.html).some((form) => form.action.endsWith('/login'));

    const sessionsOf = async (userId: string) => {
      const db = new pg.Client({ connectionString: storage.databaseUrl });
      await db.connect();
      try {
        const { rows } = await db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM sessions WHERE user_id = $1',
          [userId],
        );
        return rows[0].n;
      } finally {
        await db.end();
      }
    };

    test('ten parallel sign-ins of one user with the right password all succeed, across instances', async () => {
      const nina = await user('nina');
      const starts = await Promise.all(
        Array.from({ length: 10 }, (_, i) => loginPage(i % 2 ? b : a)),
      );
      const landed = await Promise.all(
        starts.map(({ browser, page }) =>
          browser.submit(page, '/login', { username: nina.username, password: PASSWORD }),
        ),
      );
      const subjects = new Set<string>();
      for (const [i, visit] of landed.entries()) {
        assert.ok(visit.url.startsWith(CB), `sign-in ${i}: ${visit.status} ${visit.url}`);
        const tokens = await finishFlow(config, visit, starts[i].flow);
        subjects.add(tokens.claims()!.sub);
      }
      assert.equal(subjects.size, 1);
      assert.equal(await sessionsOf(nina.id), 10, 'ten browsers, ten sessions');
    });

    test('a login form sent three times at once, to both instances, makes one session', async () => {
      const omar = await user('omar');
      const { browser, page, flow } = await loginPage(a);
      const form = Browser.forms(page.html).find((f) => f.action.endsWith('/login'))!;
      const fields = { ...form.fields, username: omar.username, password: PASSWORD };
      const answers = await Promise.all(
        [a, b, a].map((on) => browser.at(on.url).post(new URL(form.action, on.url).href, fields)),
      );
      assert.equal(await sessionsOf(omar.id), 1);
      for (const [i, answer] of answers.entries()) {
        assert.ok(
          answer.url.startsWith(CB) || isLoginPage(answer),
          `submission ${i}: ${answer.status} ${answer.url} ${answer.html.slice(0, 200)}`,
        );
      }
      const redirected = answers.filter((answer) => answer.url.startsWith(CB));
      assert.ok(redirected.length >= 1, 'the first submission reached the client');
      await finishFlow(config, redirected[0], flow);
      // The one session serves the next sign-in without a password.
      const next = await startFlow(config, CB, { scope: 'openid' });
      const silent = await browser.get(next.url.href);
      assert.ok(silent.url.startsWith(CB), `${silent.status} ${silent.url}`);
      await finishFlow(config, silent, next);
      assert.equal(await sessionsOf(omar.id), 1);
    });

    test('sign-ins that failed while Postgres was away count nothing against the user once it is back', async () => {
      const olga = await user('olga');
      const pages = await Promise.all([a, b, a, b].map(loginPage));
      proxy.cut();
      try {
        const during = await Promise.all(
          pages.map(({ browser, page }) =>
            browser.submit(page, '/login', { username: olga.username, password: PASSWORD }),
          ),
        );
        for (const [i, visit] of during.entries()) {
          assert.ok(visit.status >= 500, `attempt ${i} during the outage: ${visit.status}`);
          assert.doesNotMatch(visit.html, /\.js:\d+|node_modules|ECONNRESET/, 'no stack, no cause');
        }
      } finally {
        proxy.restore();
      }
      for (const instance of [a, b]) {
        await eventually(
          async () => ((await fetch(`${instance.url}/health/ready`)).ok ? true : undefined),
          10_000,
          'Postgres to be back',
        );
      }
      // Two wrong passwords and then the right one: had the four attempts of the outage
      // counted, the name would be banned by now (3 failures within REGULATION_FIND_TIME).
      for (const on of [a, b]) {
        const { browser, page } = await loginPage(on);
        const refused = await browser.submit(page, '/login', {
          username: olga.username,
          password: 'not the password',
        });
        assert.ok(isLoginPage(refused), `${refused.status} ${refused.url}`);
      }
      const { browser, page, flow } = await loginPage(a);
      const landed = await browser.submit(page, '/login', {
        username: olga.username,
        password: PASSWORD,
      });
      assert.ok(landed.url.startsWith(CB), `${landed.status} ${landed.url}`);
      await finishFlow(config, landed, flow);
    });
  },
);
