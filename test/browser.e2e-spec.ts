import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { createRpServer } from '../examples/rp.js';
import type { User } from '../src/users/user.entity.js';
import { UsersService } from '../src/users/users.service.js';
import { launchChromium, requireChromium, screenshot } from './support/chromium.js';
import { registerClient } from './support/clients.js';
import {
  createStorage,
  eventually,
  freePort,
  startProvider,
  target,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

const PASSWORD = 'a browser typed this password';

/**
 * A person in a real browser: headless Chromium opens the example relying party, signs in on
 * the provider's login page, allows the consent and lands back on the relying party, which
 * shows the ID token's claims and the UserInfo answer. Then they sign out everywhere: the
 * provider's signed-out page loads the relying party's front-channel iframe and sends the
 * browser back to it.
 */
describe(`sign-in in Chromium on ${target}`, { timeout: 180_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;
  let rp: Server;
  let rpUrl: string;
  let browser: Browser;
  let user: User;
  /** The `sid` of each Front-Channel Logout notice the relying party received. */
  const frontChannel: string[] = [];
  /** The `sid` of each Back-Channel Logout token it received and verified. */
  const backChannel: string[] = [];

  before(async () => {
    requireChromium();
    storage = await createStorage();
    provider = await startProvider(storage.env);
    user = await provider.app.get(UsersService).create({
      username: `bea-${randomBytes(3).toString('hex')}`,
      password: PASSWORD,
      claims: { name: 'Bea Browser', email: 'bea@example.com', email_verified: true },
      origin: 'admin',
    });
    const port = await freePort();
    rpUrl = `http://127.0.0.1:${port}`;
    const client = await registerClient(provider.app, {
      client_name: 'Example RP in Chromium',
      redirect_uris: [`${rpUrl}/callback`],
      post_logout_redirect_uris: [`${rpUrl}/`],
      frontchannel_logout_uri: `${rpUrl}/frontchannel-logout`,
      frontchannel_logout_session_required: true,
      backchannel_logout_uri: `${rpUrl}/backchannel-logout`,
      backchannel_logout_session_required: true,
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'openid profile email',
    });
    rp = createRpServer({
      issuer: provider.config.issuer,
      clientId: client.clientId,
      clientSecret: client.secret!,
      baseUrl: rpUrl,
      onFrontChannelLogout: (sid) => frontChannel.push(sid),
      onBackChannelLogout: (sid) => backChannel.push(sid),
    });
    await new Promise<void>((done) => rp.listen(port, '127.0.0.1', done));
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    if (rp) await new Promise((done) => rp.close(done));
    await provider?.close();
    await storage?.dispose();
  });

  test('sign in, allow, see the claims on the relying party, then sign out everywhere', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      // What the browser said (a CSP violation, say) goes into any failure's message.
      const said: string[] = [];
      page.on('console', (m) => said.push(`${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => said.push(`error: ${e.message}`));
      const arrive = async (url: string | ((u: URL) => boolean), what: string) => {
        try {
          await page.waitForURL(url, { timeout: 15_000 });
        } catch {
          assert.fail(
            `expected ${what}; the browser is at ${page.url()}\n${said.join('\n')}\n${(await page.content()).slice(0, 500)}`,
          );
        }
      };
      await page.goto(rpUrl);
      await page.getByRole('link', { name: 'Sign in' }).click();

      // The provider's login page.
      await arrive(
        (url) => url.href.startsWith(`${provider.url}/interaction/`),
        "the provider's login page",
      );
      await page.locator('#username').fill(user.username);
      await page.locator('#password').fill(PASSWORD);
      await page.locator('button[type="submit"]').click();

      // Its consent page.
      const allow = page.locator('button[name="decision"][value="allow"]');
      await allow.waitFor();
      assert.match(await page.content(), /Example RP in Chromium/);
      await allow.click();

      // Back on the relying party, signed in.
      await arrive(`${rpUrl}/`, 'the relying party, signed in');
      assert.equal(await page.title(), 'Signed in');
      assert.equal(await page.locator('#who').textContent(), 'bea@example.com');
      const claims = JSON.parse((await page.locator('#id-token-claims').textContent())!) as {
        sub: string;
        iss: string;
        amr: string[];
      };
      assert.equal(claims.sub, user.id);
      assert.equal(claims.iss, provider.config.issuer);
      assert.deepEqual(claims.amr, ['pwd']);
      const userinfo = JSON.parse((await page.locator('#userinfo').textContent())!) as {
        sub: string;
        email: string;
        name: string;
      };
      assert.equal(userinfo.sub, user.id);
      assert.equal(userinfo.email, 'bea@example.com');
      assert.equal(userinfo.name, 'Bea Browser');

      await screenshot(page, `signed-in-${target}`);

      // Signing out everywhere: RP-Initiated Logout with the ID token as the hint. The
      // provider's signed-out page frames the relying party's front-channel URI (its CSP must
      // allow it), then a meta refresh brings the browser back with the state.
      const claimsSid = (claims as { sid?: string }).sid;
      assert.ok(claimsSid, 'the ID token names the session');
      await page.getByRole('link', { name: 'Sign out', exact: true }).click();
      await arrive(
        (url) => url.href.startsWith(`${rpUrl}/?state=`),
        'the relying party after signing out at the provider',
      );
      assert.equal(await page.title(), 'Signed out');
      assert.deepEqual(frontChannel, [claimsSid], 'the front-channel iframe was loaded');
      await eventually(
        () => Promise.resolve(backChannel.length > 0 || undefined),
        10_000,
        'the back-channel logout token',
      );
      assert.deepEqual(backChannel, [claimsSid], 'a verified back-channel logout token');
      assert.ok(
        !said.some((line) => /Content Security Policy|Refused to/.test(line)),
        said.join('\n'),
      );

      // The provider's session is over too: signing in again shows its login page.
      await page.getByRole('link', { name: 'Sign in' }).click();
      await arrive(
        (url) => url.href.startsWith(`${provider.url}/interaction/`),
        "the provider's login page again",
      );
      await page.locator('#username').waitFor();
    } finally {
      await context.close();
    }
  });
});
