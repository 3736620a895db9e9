import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { User } from '../src/users/user.entity.js';
import { UsersService } from '../src/users/users.service.js';
import { SessionsService } from '../src/sessions/sessions.service.js';
import { Browser } from './support/browser.js';
import { registerClient } from './support/clients.js';
import {
  createStorage,
  startProvider,
  target,
  type RunningProvider,
  type Storage,
} from './support/provider.js';
import { discover, finishFlow, startFlow } from './support/sign-in.js';

const CB = 'https://rp.example.com/cb';
const PASSWORD = 'keep me in, please';
const HOUR_S = 3_600;
const REMEMBER_S = 30 * 86_400;

/**
 * "Keep me signed in" on the login page (Authelia's remember me): ticked, the session lasts
 * SESSION_REMEMBER_ME (30d) and never idles; unticked, SESSION_EXPIRATION (1h).
 */
describe(`keep me signed in on ${target}`, { timeout: 120_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;
  let user: User;

  before(async () => {
    storage = await createStorage();
    provider = await startProvider(storage.env);
    user = await provider.app.get(UsersService).create({
      username: `remy-${randomBytes(3).toString('hex')}`,
      password: PASSWORD,
      claims: {},
      origin: 'admin',
    });
  });
  after(async () => {
    await provider?.close();
    await storage?.dispose();
  });

  /** Signs in through the pages with the box ticked or not; the session and its cookie. */
  async function signIn(ticked: boolean) {
    const registered = await registerClient(provider.app, {
      redirect_uris: [CB],
      scope: 'openid',
      consent_mode: 'implicit',
    });
    const config = await discover(provider.config.issuer, registered);
    const flow = await startFlow(config, CB, { scope: 'openid' });
    const browser = new Browser(provider.url);
    const login = await browser.get(flow.url.href);
    assert.match(
      login.html,
      /<input id="remember_me" name="remember_me" type="checkbox" value="on"> <label for="remember_me">Keep me signed in on this device<\/label>/,
      'the login page offers it, unticked',
    );
    const form = Browser.forms(login.html).find((f) => f.action.endsWith('/login'))!;
    assert.equal('remember_me' in form.fields, false, 'an unticked box sends nothing');
    const res = await fetch(new URL(form.action, login.url), {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      },
      body: new URLSearchParams({
        ...form.fields,
        username: user.username,
        password: PASSWORD,
        ...(ticked && { remember_me: 'on' }),
      }).toString(),
    });
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('op_session='));
    assert.ok(setCookie, `a session cookie (${res.status})`);
    const maxAge = Number(/Max-Age=(\d+)/.exec(setCookie)![1]);
    const session = await provider.app
      .get(SessionsService)
      .resolve(setCookie.split(';')[0].slice('op_session='.length));
    assert.ok(session, 'the session resolves');
    // The sign-in goes through to the client as usual.
    const location = res.headers.get('location');
    assert.ok(location?.startsWith(CB), `redirected to the client, got ${res.status} ${location}`);
    const tokens = await finishFlow(
      config,
      { status: res.status, url: location!, html: '', headers: res.headers },
      flow,
    );
    assert.ok(tokens.id_token);
    return { session, maxAge };
  }

  test('ticked: the session lasts SESSION_REMEMBER_ME and is marked remembered', async () => {
    const { session, maxAge } = await signIn(true);
    assert.equal(session.rememberMe, true);
    assert.ok(Math.abs(maxAge - REMEMBER_S) <= 2, `Max-Age ${maxAge}`);
    assert.ok(
      Math.abs((session.expiresAt.getTime() - session.createdAt.getTime()) / 1000 - REMEMBER_S) <=
        2,
    );
  });

  test('unticked: the session lasts SESSION_EXPIRATION', async () => {
    const { session, maxAge } = await signIn(false);
    assert.equal(session.rememberMe, false);
    assert.ok(Math.abs(maxAge - HOUR_S) <= 2, `Max-Age ${maxAge}`);
  });

  test('a failed attempt keeps the box as it was', async () => {
    const registered = await registerClient(provider.app, { redirect_uris: [CB], scope: 'openid' });
    const config = await discover(provider.config.issuer, registered);
    const flow = await startFlow(config, CB, { scope: 'openid' });
    const browser = new Browser(provider.url);
    const login = await browser.get(flow.url.href);
    const again = await browser.submit(login, '/login', {
      username: user.username,
      password: 'wrong',
      remember_me: 'on',
    });
    assert.equal(again.status, 401);
    assert.match(again.html, /name="remember_me" type="checkbox" value="on" checked>/);
  });
});
