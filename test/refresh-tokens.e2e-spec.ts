import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import type { User } from '../src/users/user.entity.js';
import { UsersService } from '../src/users/users.service.js';
import { postForm, registerClient } from './support/clients.js';
import { oauthError } from './support/sign-in.js';
import { CODE_REDIRECT_URI, codeGrant, mintCode, redeemCode } from './support/codes.js';
import {
  createStorage,
  sleep,
  startProvider,
  target,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

type Client = { clientId: string; secret?: string };

const payloadOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as Record<string, unknown>;

function suite(name: string, env: Record<string, string>, body: (ctx: Context) => void) {
  describe(`refresh tokens (${name}) on ${target}`, { timeout: 120_000 }, () => {
    const ctx = {} as Context;
    before(async () => {
      ctx.storage = await createStorage();
      ctx.provider = await startProvider({ ...ctx.storage.env, ...env });
      ctx.user = await ctx.provider.app.get(UsersService).create({
        username: `rita-${randomBytes(3).toString('hex')}`,
        claims: { email: 'rita@example.com', email_verified: true },
        origin: 'admin',
      });
      const metadata = {
        redirect_uris: [CODE_REDIRECT_URI],
        grant_types: ['authorization_code', 'refresh_token'],
        scope: 'openid email profile offline_access',
        token_endpoint_auth_method: 'client_secret_post',
      };
      ctx.client = await registerClient(ctx.provider.app, metadata);
      ctx.other = await registerClient(ctx.provider.app, metadata);
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
  user: User;
  client: Client;
  other: Client;
}

/** Tokens from a code granted with offline_access. */
async function initial(
  ctx: Context,
  scope = ['openid', 'email', 'offline_access'],
  client = ctx.client,
) {
  const code = await mintCode(ctx.provider, codeGrant(client.clientId, ctx.user.id, { scope }));
  const res = await redeemCode(ctx.provider, client, code);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as { access_token: string; refresh_token?: string; id_token: string };
}

const refresh = (
  ctx: Context,
  token: string,
  client = ctx.client,
  extra: Record<string, string> = {},
) =>
  postForm(`${ctx.provider.url}/token`, {
    grant_type: 'refresh_token',
    refresh_token: token,
    client_id: client.clientId,
    client_secret: client.secret!,
    ...extra,
  });

/** openid-client's configuration for a client of the suite. */
const relyingParty = (ctx: Context, client = ctx.client) =>
  oidc.discovery(
    new URL(ctx.provider.config.issuer),
    client.clientId,
    undefined,
    oidc.ClientSecretPost(client.secret),
    { execute: [oidc.allowInsecureRequests] },
  );

const introspect = async (ctx: Context, token: string, client = ctx.client) =>
  (
    await postForm(`${ctx.provider.url}/introspect`, {
      token,
      client_id: client.clientId,
      client_secret: client.secret!,
    })
  ).body;

suite('no grace window', {}, (ctx) => {
  test('openid-client refreshes with rotation; the new ID token speaks of the same sign-in', async () => {
    const first = await initial(ctx);
    assert.match(first.refresh_token ?? '', /^[A-Za-z0-9_-]{43}$/, '256 bits, opaque');
    const config = await relyingParty(ctx);
    await sleep(1_100);
    const refreshed = await oidc.refreshTokenGrant(config, first.refresh_token!);
    assert.ok(
      refreshed.refresh_token && refreshed.refresh_token !== first.refresh_token,
      'rotated',
    );
    const before = payloadOf(first.id_token);
    const after = refreshed.claims()!;
    for (const claim of ['iss', 'sub', 'aud', 'azp', 'auth_time'] as const)
      assert.deepEqual(after[claim], before[claim], claim);
    assert.ok(after.iat > (before.iat as number), 'a new iat');
    assert.equal(after.nonce, undefined, 'no nonce');
    const active = await introspect(ctx, refreshed.refresh_token);
    assert.equal(active.active, true);
    assert.equal(active.token_type, 'refresh_token');
    assert.equal(active.client_id, ctx.client.clientId);
    assert.equal((await introspect(ctx, first.refresh_token!)).active, false, 'the rotated one');
  });

  test('no offline_access, no refresh token; a client without the grant gets none either', async () => {
    const tokens = await initial(ctx, ['openid', 'email']);
    assert.equal(tokens.refresh_token, undefined);
  });

  test('openid-client: scope may narrow, never widen; a widening request leaves the token usable', async () => {
    const first = await initial(ctx);
    const config = await relyingParty(ctx);
    const narrowed = await oidc.refreshTokenGrant(config, first.refresh_token!, {
      scope: 'openid offline_access',
    });
    assert.equal(narrowed.scope, 'openid offline_access');
    const wider = await oauthError(
      oidc.refreshTokenGrant(config, narrowed.refresh_token!, { scope: 'openid profile' }),
      'a wider scope',
    );
    assert.equal(wider.status, 400);
    assert.equal(wider.error, 'invalid_scope');
    // The refresh token keeps the scope granted (RFC 6749 §6): email comes back.
    const again = await oidc.refreshTokenGrant(config, narrowed.refresh_token!);
    assert.equal(again.scope, 'openid email offline_access', 'still usable after the refusal');
  });

  test('openid-client: a refresh token of client A used by client B is invalid_grant', async () => {
    const first = await initial(ctx);
    const refused = await oauthError(
      oidc.refreshTokenGrant(await relyingParty(ctx, ctx.other), first.refresh_token!),
      'client B with the token of client A',
    );
    assert.equal(refused.status, 400);
    assert.equal(refused.error, 'invalid_grant');
    const kept = await oidc.refreshTokenGrant(await relyingParty(ctx), first.refresh_token!);
    assert.ok(kept.refresh_token, 'A still holds it');
  });

  test('replaying a rotated token revokes the family and the access tokens issued from it', async () => {
    const first = await initial(ctx);
    const second = await refresh(ctx, first.refresh_token!);
    assert.equal(second.status, 200);
    const third = await refresh(ctx, second.body.refresh_token as string);
    assert.equal(third.status, 200);
    await sleep(2_200); // past the window in which concurrent duplicates are only refused
    const replay = await refresh(ctx, first.refresh_token!);
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_grant');
    assert.equal((await introspect(ctx, third.body.refresh_token as string)).active, false);
    assert.equal((await introspect(ctx, third.body.access_token as string)).active, false);
    const userinfo = await fetch(`${ctx.provider.url}/userinfo`, {
      headers: { authorization: `Bearer ${third.body.access_token as string}` },
    });
    assert.equal(userinfo.status, 401);
  });

  test('fifty concurrent refreshes with one token: one new pair, and the winner’s family lives', async () => {
    const first = await initial(ctx);
    const results = await Promise.all(
      Array.from({ length: 50 }, () => refresh(ctx, first.refresh_token!)),
    );
    const winners = results.filter((r) => r.status === 200);
    assert.equal(winners.length, 1);
    assert.ok(results.every((r) => r.status === 200 || r.body.error === 'invalid_grant'));
    const next = await refresh(ctx, winners[0].body.refresh_token as string);
    assert.equal(next.status, 200, 'the family is intact for the winner');
  });

  test('revoking a refresh token revokes its family; another client may not revoke it', async () => {
    const first = await initial(ctx);
    const second = await refresh(ctx, first.refresh_token!);
    const foreign = await postForm(`${ctx.provider.url}/revoke`, {
      token: second.body.refresh_token as string,
      client_id: ctx.other.clientId,
      client_secret: ctx.other.secret!,
    });
    assert.equal(foreign.status, 400);
    const revoked = await postForm(`${ctx.provider.url}/revoke`, {
      token: first.refresh_token!,
      client_id: ctx.client.clientId,
      client_secret: ctx.client.secret!,
    });
    assert.equal(revoked.status, 200);
    assert.equal((await introspect(ctx, second.body.refresh_token as string)).active, false);
    assert.equal((await refresh(ctx, second.body.refresh_token as string)).status, 400);
  });

  test('garbage refresh tokens are invalid_grant, never a 5xx', async () => {
    for (const bad of ['', 'x', 'a'.repeat(43), 'a b', '../../etc', 'é'.repeat(43)]) {
      const res = await refresh(ctx, bad);
      assert.equal(res.status, 400, bad);
      assert.ok(['invalid_grant', 'invalid_request'].includes(res.body.error as string));
    }
  });
});

suite('a grace window', { REFRESH_TOKEN_REUSE_GRACE: '30s' }, (ctx) => {
  test('inside the grace window a replay succeeds and revokes nothing', async () => {
    const first = await initial(ctx);
    const second = await refresh(ctx, first.refresh_token!);
    assert.equal(second.status, 200);
    await sleep(2_200);
    const wider = await refresh(ctx, first.refresh_token!, ctx.client, { scope: 'openid profile' });
    assert.equal(wider.body.error, 'invalid_scope', 'a retry may not widen the scope either');
    const retry = await refresh(ctx, first.refresh_token!);
    assert.equal(retry.status, 200, 'a client that lost the answer gets one again');
    assert.equal((await refresh(ctx, second.body.refresh_token as string)).status, 200);
  });
});

suite('lifetimes', {}, (ctx) => {
  test('by default a refresh token lives REFRESH_TOKEN_LIFESPAN (90m) idle', async () => {
    const first = await initial(ctx);
    const seen = await introspect(ctx, first.refresh_token!);
    assert.equal(seen.active, true);
    assert.equal(seen.token_type, 'refresh_token');
    assert.ok(
      Math.abs((seen.exp as number) - (Date.now() / 1000 + 90 * 60)) <= 2,
      `exp ${String(seen.exp)}`,
    );
  });

  test("a client's own idle and family lifespans: rotation renews the idle one, never past the family's end", async () => {
    const client = await registerClient(ctx.provider.app, {
      redirect_uris: [CODE_REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'openid email offline_access',
      token_endpoint_auth_method: 'client_secret_post',
      lifespans: { refresh_token: 4, refresh_token_family: 7 },
    });
    const t0 = Date.now();
    const at = (seconds: number) => sleep(Math.max(0, t0 + seconds * 1000 - Date.now()));
    const kept = await initial(ctx, undefined, client);
    const unused = await initial(ctx, undefined, client);
    const keptExp = (await introspect(ctx, kept.refresh_token!, client)).exp as number;
    assert.ok(Math.abs(keptExp * 1000 - (t0 + 4_000)) <= 1_500, 'the idle lifespan');

    await at(3.5);
    const rotated = await refresh(ctx, kept.refresh_token!, client);
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    const rotatedToken = rotated.body.refresh_token as string;
    const rotatedExp = (await introspect(ctx, rotatedToken, client)).exp as number;
    assert.ok(rotatedExp > keptExp, 'a rotation starts the idle lifespan again');
    assert.ok(rotatedExp * 1000 <= t0 + 7_500, "but only up to the family's end");

    await at(5); // past the idle lifespan of the token never used, before the family's end
    assert.equal((await introspect(ctx, unused.refresh_token!, client)).active, false);
    const stale = await refresh(ctx, unused.refresh_token!, client);
    assert.equal(stale.status, 400);
    assert.equal(stale.body.error, 'invalid_grant');
    assert.equal((await introspect(ctx, rotatedToken, client)).active, true, 'idle-fresh');

    await at(8); // past the family's end, though not idle for 4 s
    assert.equal((await introspect(ctx, rotatedToken, client)).active, false);
    const ended = await refresh(ctx, rotatedToken, client);
    assert.equal(ended.status, 400);
    assert.equal(ended.body.error, 'invalid_grant');
  });
});
