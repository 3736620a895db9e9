import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, requireChromium, screenshot } from './support/chromium.js';
import { registerClient } from './support/clients.js';
import { assertAccessible } from './support/pages-browser.js';
import {
  createStorage,
  startProvider,
  target,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

const LOGO =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 160 40" width="160" height="40"><rect width="40" height="40" rx="8" fill="#0b7a3e"/><text x="50" y="28" font-family="sans-serif" font-size="22" font-weight="700" fill="#0b7a3e">ACME</text></svg>';

/**
 * An operator's branding (PAGES_*): the product name, logo, favicon, primary colour and a
 * custom CSS file change every page, and a template in PAGES_TEMPLATES_DIR replaces one,
 * still inside the branded layout, still accessible.
 */
describe(`branded pages in Chromium on ${target}`, { timeout: 120_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;
  let browser: Browser;
  let dir: string;
  let loginUrl: string;

  before(async () => {
    requireChromium();
    dir = mkdtempSync(join(tmpdir(), 'op-branding-'));
    writeFileSync(join(dir, 'logo.svg'), LOGO);
    writeFileSync(join(dir, 'favicon.svg'), LOGO);
    writeFileSync(join(dir, 'custom.css'), '.card { border-top: 6px solid #0b7a3e; }\n');
    mkdirSync(join(dir, 'templates'));
    writeFileSync(
      join(dir, 'templates', 'error.eta'),
      `<h1><%= it.t('error.title') %></h1>
<p id="help-desk">Call the Acme help desk on extension 4242 and quote <code><%= it.error %></code>.</p>
<% if (it.description) { %><p><%= it.description %></p><% } %>`,
    );
    storage = await createStorage();
    provider = await startProvider({
      ...storage.env,
      PAGES_PRODUCT_NAME: 'Acme Identity',
      PAGES_PRIMARY_COLOR: '#0B7A3E',
      PAGES_LOGO_FILE: join(dir, 'logo.svg'),
      PAGES_FAVICON_FILE: join(dir, 'favicon.svg'),
      PAGES_CUSTOM_CSS_FILE: join(dir, 'custom.css'),
      PAGES_TEMPLATES_DIR: join(dir, 'templates'),
    });
    const client = await registerClient(provider.app, {
      client_name: 'Payroll',
      redirect_uris: ['https://payroll.example/callback'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'openid',
    });
    const params = new URLSearchParams({
      client_id: client.clientId,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: 'https://payroll.example/callback',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    });
    loginUrl = `${provider.url}/authorize?${params.toString()}`;
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await provider?.close();
    await storage?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function open(url: string, scheme: 'light' | 'dark', use: (page: Page) => Promise<void>) {
    const context = await browser.newContext({ colorScheme: scheme, locale: 'en-GB' });
    try {
      const page = await context.newPage();
      await page.goto(url);
      await use(page);
    } finally {
      await context.close();
    }
  }

  /** A computed style, read in the page (the tests compile without the DOM's types). */
  const style = (page: Page, selector: string, property: string) =>
    page.evaluate<string>(
      `getComputedStyle(document.querySelector(${JSON.stringify(selector)})).getPropertyValue(${JSON.stringify(property)})`,
    );

  test('the name, logo, favicon, colour and custom CSS change the login page', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      await open(loginUrl, scheme, async (page) => {
        assert.equal(await page.title(), 'Sign in · Acme Identity');
        const logo = page.locator('header img.brand-logo');
        assert.equal(await logo.getAttribute('alt'), 'Acme Identity');
        assert.match((await logo.getAttribute('src')) ?? '', /^\/assets\/logo\.[\w-]{16}\.svg$/);
        assert.ok(
          await page.evaluate<boolean>(`document.querySelector('header img').naturalWidth > 0`),
        );
        assert.equal(await page.locator('footer').textContent(), 'Acme Identity');
        // The brand's colour exactly, with a label that reads on it.
        assert.equal(
          await style(page, 'button[type="submit"]', 'background-color'),
          'rgb(11, 122, 62)',
        );
        assert.equal(await style(page, 'button[type="submit"]', 'color'), 'rgb(255, 255, 255)');
        // The custom CSS came after the design's own rules.
        assert.equal(await style(page, '.card', 'border-top-width'), '6px');
        assert.equal(await style(page, '.card', 'border-top-color'), 'rgb(11, 122, 62)');
        const favicon = await page.locator('link[rel="icon"]').getAttribute('href');
        assert.match(favicon ?? '', /^\/assets\/favicon\.[\w-]{16}\.svg$/);
        const icon = await fetch(`${provider.url}${favicon}`);
        assert.equal(icon.headers.get('content-type'), 'image/svg+xml');
        assert.equal(icon.headers.get('cache-control'), 'public, max-age=31536000, immutable');
        // An operator's SVG opened on its own runs no script, in no origin.
        assert.match(icon.headers.get('content-security-policy') ?? '', /sandbox/);
        await screenshot(page, `pages/branded-login-${scheme}-${target}`);
        await assertAccessible(page, `the branded login page (${scheme})`);
      });
    }
  });

  test('a template in PAGES_TEMPLATES_DIR replaces its page, inside the branded layout', async () => {
    await open(
      `${provider.url}/authorize?client_id=nobody&response_type=code`,
      'light',
      async (page) => {
        assert.match(
          (await page.locator('#help-desk').textContent()) ?? '',
          /^Call the Acme help desk on extension 4242 and quote invalid_client\.$/,
        );
        assert.equal(await page.title(), 'Something went wrong · Acme Identity');
        assert.equal(await page.locator('header img.brand-logo').count(), 1);
        await screenshot(page, `pages/branded-error-override-${target}`);
        await assertAccessible(page, 'the overridden error page');
      },
    );
    // The other pages keep their built-in template.
    await open(loginUrl, 'light', async (page) => {
      assert.equal(await page.locator('#password').count(), 1);
    });
  });
});
