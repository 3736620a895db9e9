import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import type { User } from '../src/users/user.entity.js';
import { UsersService } from '../src/users/users.service.js';
import { launchChromium, requireChromium, screenshot } from './support/chromium.js';
import { registerClient } from './support/clients.js';
import { MovableClock } from './support/clock.js';
import {
  createStorage,
  freePort,
  startProvider,
  target,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

const PASSWORD = 'a single page typed this';

/** oidc-client-ts's own browser bundle (the global `oidc`), as a single-page app ships it. */
const LIBRARY = join(
  dirname(createRequire(import.meta.url).resolve('oidc-client-ts/package.json')),
  'dist/browser/oidc-client-ts.min.js',
);

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Signed out</title><script src="/oidc-client-ts.min.js"></script></head>
<body>
  <h1>A single-page app with oidc-client-ts</h1>
  <button id="sign-in">Sign in</button>
  <button id="refresh">Refresh silently</button>
  <button id="bad-token">UserInfo with a bad token</button>
  <h2>ID token</h2><pre id="claims"></pre>
  <h2>Profile (with UserInfo)</h2><pre id="profile"></pre>
  <h2>After signinSilent</h2><pre id="refreshed"></pre>
  <h2>UserInfo with a bad token</h2><pre id="bad-userinfo"></pre>
  <h2>Errors</h2><pre id="error"></pre>
  <script src="/app.js"></script>
</body>
</html>`;

/** The app: the library's UserManager, and what each step gave, written into the page. */
const app = (authority: string, clientId: string) => `
const manager = new oidc.UserManager({
  authority: ${JSON.stringify(authority)},
  client_id: ${JSON.stringify(clientId)},
  redirect_uri: location.origin + '/callback',
  response_type: 'code',
  scope: 'openid email offline_access',
  loadUserInfo: true,
  automaticSilentRenew: false,
});
const show = (id, value) => {
  document.getElementById(id).textContent = JSON.stringify(value, null, 2);
};
const failed = (what, e) => {
  document.getElementById('error').textContent += what + ': ' + (e && e.message ? e.message : String(e)) + '\\n';
  document.title = 'Failed';
};
const claimsOf = (jwt) =>
  JSON.parse(atob(jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));

document.getElementById('sign-in').onclick = () =>
  manager.signinRedirect().catch((e) => failed('signinRedirect', e));

document.getElementById('refresh').onclick = async () => {
  try {
    const before = await manager.getUser();
    // With a refresh token the library refreshes at the token endpoint, then compares the new
    // ID token with the first one (OpenID Connect Core 12.2), auth_time among the claims.
    const user = await manager.signinSilent();
    show('refreshed', {
      claims: claimsOf(user.id_token),
      rotated: user.refresh_token !== before.refresh_token,
    });
    document.title = 'Refreshed';
  } catch (e) {
    failed('signinSilent', e);
  }
};

document.getElementById('bad-token').onclick = async () => {
  try {
    const endpoint = await manager.metadataService.getUserInfoEndpoint();
    const res = await fetch(endpoint, { headers: { authorization: 'Bearer not-a-valid-token' } });
    show('bad-userinfo', {
      status: res.status,
      www_authenticate: res.headers.get('www-authenticate'),
      body: await res.json(),
    });
    document.title = 'Challenged';
  } catch (e) {
    failed('fetch /userinfo', e);
  }
};

if (location.pathname === '/callback') {
  manager
    .signinRedirectCallback()
    .then((user) => {
      history.replaceState(null, '', '/');
      show('claims', claimsOf(user.id_token));
      show('profile', user.profile);
      document.title = 'Signed in';
    })
    .catch((e) => failed('signinRedirectCallback', e));
}
`;

/**
 * A single-page app in Chromium with oidc-client-ts, the library such apps use: signinRedirect
 * through the provider's login and consent pages, the callback, signinSilent with the refresh
 * token (which compares the refreshed ID token's auth_time with the first one's), and a fetch
 * to UserInfo with a bad token whose 401 and WWW-Authenticate challenge the page must read.
 */
describe(
  `a single-page app with oidc-client-ts in Chromium on ${target}`,
  { timeout: 180_000 },
  () => {
    let storage: Storage;
    let provider: RunningProvider;
    let spa: Server;
    let spaUrl: string;
    let browser: Browser;
    let user: User;
    /** The provider's: a test moves it to a later second instead of sleeping. */
    const clock = new MovableClock();

    before(async () => {
      requireChromium();
      storage = await createStorage();
      provider = await startProvider(storage.env, { clock });
      user = await provider.app.get(UsersService).create({
        username: `sam-${randomBytes(3).toString('hex')}`,
        password: PASSWORD,
        claims: { name: 'Sam Single', email: 'sam@example.com', email_verified: true },
        origin: 'admin',
      });
      const port = await freePort();
      spaUrl = `http://127.0.0.1:${port}`;
      const client = await registerClient(provider.app, {
        client_name: 'Single-page app in Chromium',
        redirect_uris: [`${spaUrl}/callback`],
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'none',
        scope: 'openid email offline_access',
        cors_allowed_origins: [spaUrl],
      });
      const library = readFileSync(LIBRARY);
      const script = app(provider.config.issuer, client.clientId);
      spa = createServer((req, res) => {
        const path = new URL(req.url ?? '/', spaUrl).pathname;
        if (path === '/oidc-client-ts.min.js') {
          res.writeHead(200, { 'content-type': 'text/javascript' }).end(library);
        } else if (path === '/app.js') {
          res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
        } else if (path === '/' || path === '/callback') {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
        } else if (path === '/favicon.ico') {
          res.writeHead(204).end();
        } else {
          res.writeHead(404).end();
        }
      });
      await new Promise<void>((done) => spa.listen(port, '127.0.0.1', done));
      browser = await launchChromium();
    });

    after(async () => {
      await browser?.close();
      if (spa) await new Promise((done) => spa.close(done));
      await provider?.close();
      await storage?.dispose();
    });

    /** Waits for the app's title after a step; a failure shows what the page and browser said. */
    async function step(page: Page, title: string, said: string[]): Promise<void> {
      try {
        // Evaluated in the page (a string: this file is compiled without the DOM's types).
        await page.waitForFunction(`['${title}', 'Failed'].includes(document.title)`, undefined, {
          timeout: 15_000,
        });
      } catch {
        // Reported below with what the page shows.
      }
      const errors =
        (await page
          .locator('#error')
          .textContent()
          .catch(() => '')) ?? '';
      assert.equal(
        await page.title(),
        title,
        `expected "${title}" at ${page.url()}: ${errors}\n${said.join('\n')}`,
      );
    }

    const json = async (page: Page, id: string) =>
      JSON.parse((await page.locator(`#${id}`).textContent())!) as Record<string, unknown>;

    test('signinRedirect, login, callback, signinSilent with the refresh token, a readable 401', async () => {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        const said: string[] = [];
        page.on('console', (m) => said.push(`${m.type()}: ${m.text()}`));
        page.on('pageerror', (e) => said.push(`error: ${e.message}`));
        await page.goto(spaUrl);
        await page.locator('#sign-in').click();

        // The provider's login page, then its consent page.
        await page.waitForURL((url) => url.href.startsWith(`${provider.url}/interaction/`), {
          timeout: 15_000,
        });
        await page.locator('#username').fill(user.username);
        await page.locator('#password').fill(PASSWORD);
        await page.locator('button[type="submit"]').click();
        const allow = page.locator('button[name="decision"][value="allow"]');
        await allow.waitFor();
        assert.match(await page.content(), /Single-page app in Chromium/);
        await allow.click();

        // Back in the app: the library redeemed the code and read UserInfo, both cross-origin.
        await step(page, 'Signed in', said);
        const claims = await json(page, 'claims');
        assert.equal(claims.sub, user.id);
        const profile = await json(page, 'profile');
        assert.equal(profile.email, 'sam@example.com', 'from UserInfo, read by the page');

        // A later iat shows the ID token is a new one.
        clock.advance(1_100);
        await page.locator('#refresh').click();
        await step(page, 'Refreshed', said);
        const refreshed = (await json(page, 'refreshed')) as {
          claims: Record<string, unknown>;
          rotated: boolean;
        };
        // Checked after the refresh, so that without it the library's own refusal shows first.
        assert.equal(typeof claims.auth_time, 'number', 'auth_time without max_age');
        assert.equal(refreshed.claims.auth_time, claims.auth_time, 'the same sign-in');
        assert.equal(refreshed.claims.sub, user.id);
        assert.ok((refreshed.claims.iat as number) > (claims.iat as number), 'a new ID token');
        assert.equal(refreshed.rotated, true, 'a new refresh token');

        // An error answer the page can read, challenge included, not "Failed to fetch".
        await page.locator('#bad-token').click();
        await step(page, 'Challenged', said);
        const challenged = await json(page, 'bad-userinfo');
        assert.equal(challenged.status, 401);
        assert.match(String(challenged.www_authenticate), /^Bearer error="invalid_token"/);
        assert.equal((challenged.body as { error: string }).error, 'invalid_token');
        assert.equal(await page.locator('#error').textContent(), '');

        await screenshot(page, `spa-oidc-client-ts-${target}`);
      } finally {
        await context.close();
      }
    });
  },
);
