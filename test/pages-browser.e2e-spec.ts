import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { Browser, BrowserContext } from 'playwright-core';
import { generateTotpSecret, totpCode } from '../src/users/totp.js';
import { UsersService } from '../src/users/users.service.js';
import { launchChromium, requireChromium, screenshot } from './support/chromium.js';
import { registerClient } from './support/clients.js';
import { assertAccessible, CLIENT_LOGO_SVG } from './support/pages-browser.js';
import {
  createStorage,
  startProvider,
  target,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

const PASSWORD = 'pages in every light and language';
const REDIRECT_URI = 'https://expenses.example/callback';
const LOGO_URI = 'https://expenses.example/logo.svg';

/** Where the pages must work: a 320 px phone and a desktop. */
const VIEWPORTS = {
  phone: { width: 320, height: 640 },
  desktop: { width: 1280, height: 800 },
} as const;
const SCHEMES = ['light', 'dark'] as const;
const LANGUAGES = { en: 'en-GB', fr: 'fr-FR' } as const;

/**
 * Every page people see (login, its error, TOTP, its error, consent, the error page, the
 * logout confirmation, still signed in, signed out), on a phone and a desktop, light and
 * dark, in English and French: each is screenshot under test-output/browser/pages/ and
 * checked with axe-core for WCAG 2.2 AA. The browser reports no CSP violation on any of them.
 */
describe(`the pages in Chromium on ${target}`, { timeout: 300_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;
  let browser: Browser;
  let clientId: string;

  before(async () => {
    requireChromium();
    storage = await createStorage();
    provider = await startProvider(storage.env);
    const client = await registerClient(provider.app, {
      client_name: 'Expense Reports',
      logo_uri: LOGO_URI,
      policy_uri: 'https://expenses.example/privacy',
      tos_uri: 'https://expenses.example/terms',
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'openid profile email offline_access',
    });
    clientId = client.clientId;
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await provider?.close();
    await storage?.dispose();
  });

  /** A user with TOTP, one per combination so codes and failure counts never meet. */
  async function newUser() {
    const users = provider.app.get(UsersService);
    const user = await users.create({
      username: `camille-${randomBytes(3).toString('hex')}`,
      password: PASSWORD,
      claims: { name: 'Camille Martin', email: 'camille@example.com' },
      origin: 'admin',
    });
    const secret = generateTotpSecret();
    await users.setTotpSecret(user.id, secret);
    return { user, secret };
  }

  function authorizeUrl(): string {
    const verifier = randomBytes(32).toString('base64url');
    const params = new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      scope: 'openid profile email offline_access',
      redirect_uri: REDIRECT_URI,
      state: randomBytes(8).toString('hex'),
      nonce: randomBytes(8).toString('hex'),
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    return `${provider.url}/authorize?${params.toString()}`;
  }

  async function newContext(
    viewport: keyof typeof VIEWPORTS,
    scheme: (typeof SCHEMES)[number],
    lang: keyof typeof LANGUAGES,
  ): Promise<BrowserContext> {
    const context = await browser.newContext({
      viewport: VIEWPORTS[viewport],
      colorScheme: scheme,
      locale: LANGUAGES[lang],
      reducedMotion: 'reduce',
    });
    // The client's registered logo and its redirect URI, answered in place of the internet.
    await context.route(LOGO_URI, (route) =>
      route.fulfill({ contentType: 'image/svg+xml', body: CLIENT_LOGO_SVG }),
    );
    await context.route(`${REDIRECT_URI}**`, (route) =>
      route.fulfill({ contentType: 'text/html', body: '<title>Back at the client</title>' }),
    );
    return context;
  }

  for (const viewport of Object.keys(VIEWPORTS) as (keyof typeof VIEWPORTS)[]) {
    for (const scheme of SCHEMES) {
      for (const lang of Object.keys(LANGUAGES) as (keyof typeof LANGUAGES)[]) {
        const combo = `${viewport}-${scheme}-${lang}`;
        test(`every page, ${combo}`, async () => {
          const { user, secret } = await newUser();
          const context = await newContext(viewport, scheme, lang);
          try {
            const page = await context.newPage();
            const said: string[] = [];
            page.on('console', (m) => said.push(`${m.type()}: ${m.text()}`));
            const check = async (name: string, expectedHeading: RegExp) => {
              await page.locator('h1').waitFor();
              assert.match((await page.locator('h1').textContent()) ?? '', expectedHeading);
              assert.equal(await page.getAttribute('html', 'lang'), lang);
              // Every image has loaded: the stylesheet's, the brand's and the client's. On a busy
              // machine the heading can come before the images: wait until each has settled.
              await page.waitForFunction('[...document.images].every((i) => i.complete)');
              const broken = await page.evaluate<number>(
                '[...document.images].filter((i) => !i.complete || i.naturalWidth === 0).length',
              );
              assert.equal(broken, 0, `an image did not load on ${name}`);
              await screenshot(page, `pages/${name}-${combo}-${target}`);
              await assertAccessible(page, `${name} (${combo})`);
            };
            const fr = lang === 'fr';

            await page.goto(authorizeUrl());
            await check('login', fr ? /Connexion/ : /Sign in/);
            assert.equal(await page.getAttribute('#username', 'autocomplete'), 'username');
            assert.equal(await page.getAttribute('#password', 'autocomplete'), 'current-password');
            // Keyboard only: Tab reaches the fields and the button, in order.
            await page.locator('#username').focus();
            await page.keyboard.type(user.username);
            await page.keyboard.press('Tab');
            await page.keyboard.type('not the password');
            await page.keyboard.press('Enter');
            await page.locator('[role="alert"]').waitFor();
            await check('login-failed', fr ? /Connexion/ : /Sign in/);
            // What to do, with the lockout's timing (REGULATION_*), the same for every cause.
            assert.match(
              (await page.locator('[role="alert"]').textContent()) ?? '',
              fr
                ? /Après 3 échecs, .* pendant 5 minutes/
                : /After 3 failed attempts, .* for 5 minutes/,
            );

            await page.locator('#password').fill(PASSWORD);
            await page.locator('#password').press('Enter');
            await page.locator('#code').waitFor();
            await check('totp', fr ? /Deuxième étape/ : /Second step/);
            assert.equal(await page.getAttribute('#code', 'autocomplete'), 'one-time-code');
            await page.locator('#code').fill('000000');
            await page.locator('#code').press('Enter');
            await page.locator('[role="alert"]').waitFor();
            await check('totp-failed', fr ? /Deuxième étape/ : /Second step/);

            await page.locator('#code').fill(totpCode(secret, provider.config.totp, Date.now()));
            await page.locator('#code').press('Enter');
            await page.locator('button[value="allow"]').waitFor();
            await check('consent', fr ? /Autoriser/ : /Allow access/);
            await page.locator('button[value="allow"]').click();
            await page.waitForURL((url) => url.href.startsWith(REDIRECT_URI));

            const endSession = `${provider.url}/end_session?client_id=${encodeURIComponent(clientId)}`;
            await page.goto(endSession);
            await check('logout', fr ? /Se déconnecter/ : /Sign out/);
            await page.locator('button[value="stay"]').click();
            await check('still-signed-in', fr ? /Toujours connecté/ : /Still signed in/);

            await page.goto(endSession);
            await page.locator('button[value="logout"]').click();
            await check('signed-out', fr ? /Déconnecté/ : /Signed out/);

            await page.goto(`${provider.url}/authorize?client_id=nobody&response_type=code`);
            await check('error', fr ? /Une erreur/ : /Something went wrong/);

            assert.ok(
              !said.some((line) => /Content Security Policy|Refused to/.test(line)),
              said.join('\n'),
            );
          } finally {
            await context.close();
          }
        });
      }
    }
  }

  test('"not you?" on the consent page goes back to the login page for another account', async () => {
    const first = await newUser();
    const users = provider.app.get(UsersService);
    const second = await users.create({
      username: `dominique-${randomBytes(3).toString('hex')}`,
      password: PASSWORD,
      claims: { name: 'Dominique Leroy' },
      origin: 'admin',
    });
    const context = await newContext('desktop', 'light', 'en');
    try {
      const page = await context.newPage();
      await page.goto(authorizeUrl());
      await page.locator('#username').fill(first.user.username);
      await page.locator('#password').fill(PASSWORD);
      await page.locator('#password').press('Enter');
      await page.locator('#code').fill(totpCode(first.secret, provider.config.totp, Date.now()));
      await page.locator('#code').press('Enter');
      await page.locator('button[value="allow"]').waitFor();
      assert.match((await page.locator('.who').textContent()) ?? '', /Signed in as Camille Martin/);
      await page.getByRole('button', { name: 'Not you? Use another account' }).click();

      await page.locator('#password').waitFor();
      await page.locator('#username').fill(second.username);
      await page.locator('#password').fill(PASSWORD);
      await page.locator('#password').press('Enter');
      await page.locator('button[value="allow"]').waitFor();
      assert.match(
        (await page.locator('.who').textContent()) ?? '',
        /Signed in as Dominique Leroy/,
      );
      await page.locator('button[value="allow"]').click();
      await page.waitForURL((url) => url.href.startsWith(REDIRECT_URI));
    } finally {
      await context.close();
    }
  });

  test('/docs: the Swagger UI renders under its CSP, never framed', async () => {
    const res = await fetch(`${provider.url}/docs`);
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/, 'no inline or foreign script');
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop });
    try {
      const page = await context.newPage();
      const said: string[] = [];
      page.on('console', (m) => said.push(`${m.type()}: ${m.text()}`));
      await page.goto(`${provider.url}/docs`);
      await page.locator('.swagger-ui .info .title').waitFor();
      assert.match((await page.locator('.swagger-ui .info .title').textContent()) ?? '', /OpenID/);
      await page.locator('.opblock').first().waitFor();
      await screenshot(page, `docs-${target}`);
      const broken = await page.evaluate<string[]>(
        '[...document.images].filter((i) => !i.complete || i.naturalWidth === 0).map((i) => i.src)',
      );
      assert.deepEqual(broken, [], 'every image of the Swagger UI loads');
      const violations = said.filter((line) => /Content Security Policy|Refused to/i.test(line));
      assert.deepEqual(violations, [], 'the browser reports no CSP violation');
    } finally {
      await context.close();
    }
    // A form_post answer and an error page carry it too: one hook sets it for all HTML.
    const error = await fetch(`${provider.url}/authorize?client_id=nobody`);
    assert.match(error.headers.get('content-type') ?? '', /text\/html/);
    assert.equal(error.headers.get('x-frame-options'), 'DENY');
  });

  test('the stylesheet is served at a content-hashed URL, cacheable for ever', async () => {
    const login = await fetch(authorizeUrl());
    const html = await login.text();
    const href = /<link rel="stylesheet" href="([^"]+)">/.exec(html)?.[1];
    assert.match(href ?? '', /^\/assets\/pages\.[\w-]{16}\.css$/);
    assert.match(login.headers.get('content-security-policy') ?? '', /style-src 'self';/);
    const css = await fetch(`${provider.url}${href}`);
    assert.equal(css.status, 200);
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
    assert.equal(css.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.match(await css.text(), /prefers-color-scheme: dark/);
    const unknown = await fetch(`${provider.url}/assets/pages.0000000000000000.css`);
    assert.equal(unknown.status, 404);
  });
});
