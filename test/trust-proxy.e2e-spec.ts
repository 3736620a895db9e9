import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import { UsersService } from '../src/users/users.service.js';
import { Browser } from './support/browser.js';
import { registerClient } from './support/clients.js';
import {
  createStorage,
  startProvider,
  target,
  type RunningProvider,
  type Storage,
} from './support/provider.js';
import { discover, startFlow } from './support/sign-in.js';

const CB = 'https://rp.example.com/cb';
const PASSWORD = 'behind the proxy';
const FAILURES = 3;

/**
 * The per-address login limit behind a reverse proxy: with TRUST_PROXY naming the proxy, each
 * forwarded client address is counted on its own; without it, X-Forwarded-For is ignored, so a
 * client cannot escape its ban by making one up.
 */
function suite(name: string, trustProxy: string | undefined, body: (ctx: Context) => void) {
  describe(`TRUST_PROXY ${name} on ${target}`, { timeout: 120_000 }, () => {
    const ctx = {} as Context;
    before(async () => {
      ctx.storage = await createStorage();
      ctx.logLines = [];
      ctx.provider = await startProvider(
        {
          ...ctx.storage.env,
          ...(trustProxy !== undefined && { TRUST_PROXY: trustProxy }),
          REGULATION_ADDRESS_MAX_FAILURES: String(FAILURES),
          REGULATION_MAX_RETRIES: '0',
        },
        { logLines: ctx.logLines },
      );
      ctx.config = await discover(
        ctx.provider.config.issuer,
        await registerClient(ctx.provider.app, {
          redirect_uris: [CB],
          grant_types: ['authorization_code'],
          scope: 'openid email',
          consent_mode: 'implicit',
        }),
      );
      ctx.username = (
        await ctx.provider.app.get(UsersService).create({
          username: `petra-${randomBytes(3).toString('hex')}`,
          password: PASSWORD,
          claims: {},
          origin: 'admin',
        })
      ).username;
    });
    after(async () => {
      await ctx.provider?.close();
      await ctx.storage?.dispose();
    });
    body(ctx);
  });
}

interface Context {
  storage: Storage;
  provider: RunningProvider;
  logLines: string[];
  config: oidc.Configuration;
  username: string;
}

/** Submits the login form from a browser that says it is `forwardedFor`; returns the status. */
async function logIn(ctx: Context, forwardedFor: string, username: string, password: string) {
  const browser = new Browser(ctx.provider.url, { 'x-forwarded-for': forwardedFor });
  const flow = await startFlow(ctx.config, CB);
  const page = await browser.get(flow.url.href);
  const answer = await browser.submit(page, '/login', { username, password });
  return answer.url.startsWith(CB) ? 'signed in' : answer.status;
}

suite('naming the proxy (loopback)', 'loopback', (ctx) => {
  test('each forwarded client address is counted on its own', async () => {
    const attacker = '203.0.113.7';
    for (let i = 0; i < FAILURES; i++)
      assert.equal(await logIn(ctx, attacker, `nobody-${i}`, 'guess'), 401);
    assert.equal(
      await logIn(ctx, attacker, ctx.username, PASSWORD),
      401,
      'the address is banned, right password or not',
    );
    assert.equal(
      await logIn(ctx, '198.51.100.20', ctx.username, PASSWORD),
      'signed in',
      'another client behind the same proxy is not',
    );
    assert.ok(
      ctx.logLines.some((l) => l.includes(`"remoteAddress":"${attacker}"`)),
      'the log shows the client, not the proxy',
    );
  });
});

suite('unset', undefined, (ctx) => {
  test('X-Forwarded-For is ignored: made-up addresses do not escape the ban', async () => {
    for (let i = 0; i < FAILURES; i++)
      assert.equal(await logIn(ctx, `203.0.113.${i + 1}`, `nobody-${i}`, 'guess'), 401);
    assert.equal(
      await logIn(ctx, '198.51.100.20', ctx.username, PASSWORD),
      401,
      'the peer address is banned whatever the header says',
    );
    assert.ok(
      ctx.logLines.some((l) => l.includes('"remoteAddress":"127.0.0.1"')),
      'the peer',
    );
    assert.ok(!ctx.logLines.some((l) => l.includes('"remoteAddress":"203.0.113.')));
  });
});
