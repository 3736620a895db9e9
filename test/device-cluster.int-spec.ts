import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import type { Browser } from 'playwright-core';
import { UsersService } from '../src/users/users.service.js';
import { launchChromium, requireChromium, screenshot } from './support/chromium.js';
import { registerClient } from './support/clients.js';
import { assertAccessible } from './support/pages-browser.js';
import {
  createStorage,
  freePort,
  startProvider,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const PASSWORD = 'approved in a real browser';

/**
 * RFC 8628 on two instances behind one name (one Postgres, one Redis): the device asks A, its
 * user approves in Chromium on A's pages, and the device's polls at B get the tokens.
 */
describe(
  'device authorization across two instances, approved in Chromium',
  { timeout: 120_000 },
  () => {
    let storage: Storage;
    let a: RunningProvider;
    let b: RunningProvider;
    let chromium: Browser;
    let username: string;
    let tv: { clientId: string };

    before(async () => {
      requireChromium();
      storage = await createStorage('services');
      const portA = await freePort();
      const env = {
        ...storage.env,
        ISSUER: `http://127.0.0.1:${portA}`,
        DEVICE_CODE_POLLING_INTERVAL: '1s',
      };
      [a, b] = await Promise.all([
        startProvider({ ...env, PORT: String(portA) }),
        startProvider(env),
      ]);
      chromium = await launchChromium();
      username = `tv-${randomBytes(3).toString('hex')}`;
      await a.app.get(UsersService).create({
        username,
        password: PASSWORD,
        claims: { name: 'Tess Viewer', email: 'tess@example.com' },
        origin: 'admin',
      });
      tv = await registerClient(a.app, {
        public: true,
        token_endpoint_auth_method: 'none',
        grant_types: [DEVICE_GRANT],
        scope: 'openid email',
        client_name: 'Lobby display',
      });
    });
    after(async () => {
      await chromium?.close();
      await Promise.allSettled([a?.close(), b?.close()]);
      await storage?.dispose();
    });

    /** openid-client talking to one instance's address, with the shared issuer. */
    const deviceOn = async (instance: RunningProvider) => {
      const config = await oidc.discovery(
        new URL(a.config.issuer),
        tv.clientId,
        undefined,
        oidc.None(),
        { execute: [oidc.allowInsecureRequests] },
      );
      // Plain metadata (without openid-client's helper methods), pointed at this instance.
      const metadata = JSON.parse(JSON.stringify(config.serverMetadata())) as oidc.ServerMetadata;
      return new oidc.Configuration(
        {
          ...metadata,
          device_authorization_endpoint: `${instance.url}/device_authorization`,
          token_endpoint: `${instance.url}/token`,
        },
        tv.clientId,
        undefined,
        oidc.None(),
      );
    };

    test('asked on A, approved in Chromium, polled on B: the tokens of the user’s sign-in', async () => {
      const onA = await deviceOn(a);
      oidc.allowInsecureRequests(onA);
      const started = await oidc.initiateDeviceAuthorization(onA, { scope: 'openid email' });
      const onB = await deviceOn(b);
      oidc.allowInsecureRequests(onB);
      const polling = oidc.pollDeviceAuthorizationGrant(onB, started);

      const page = await (await chromium.newContext({ locale: 'en-GB' })).newPage();
      await page.goto(`${a.url}/device`);
      await assertAccessible(page, 'the device code page');
      await screenshot(page, 'device-code');
      await page.fill('#user_code', started.user_code.toLowerCase());
      await page.click('button[type=submit]');
      await page.fill('#username', username);
      await page.fill('#password', PASSWORD);
      await page.click('button[type=submit]');
      await page.waitForSelector('button[value=allow]');
      assert.match(await page.content(), /Lobby display/);
      await page.click('button[value=allow]');
      await page.waitForSelector('h1');
      assert.equal(await page.textContent('h1'), 'Device connected');
      await assertAccessible(page, 'the device connected page');
      await screenshot(page, 'device-connected');

      const tokens = await polling;
      assert.equal(tokens.claims()?.email, 'tess@example.com');
      assert.equal(tokens.claims()?.iss, a.config.issuer);
    });

    test('a wrong code on the page says what to do, in French too', async () => {
      const context = await chromium.newContext({ locale: 'fr-FR' });
      const page = await context.newPage();
      await page.goto(`${b.url}/device`);
      await page.fill('#user_code', 'BBBB-BBBB');
      await page.click('button[type=submit]');
      await page.waitForSelector('[role=alert]');
      assert.match((await page.textContent('[role=alert]')) ?? '', /Code non reconnu/);
      await assertAccessible(page, 'the device code page with an error, in French');
      await screenshot(page, 'device-code-unknown-fr');
    });
  },
);
