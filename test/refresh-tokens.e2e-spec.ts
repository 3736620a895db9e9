import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import type { User } from '../src/users/user.entity.js';
import { UsersService } from '../src/users/users.service.js';
import { postForm, registerClient } from './support/clients.js';
import { oauthError } from './support/sign-in.js';
import { CODE_REDIRECT_URI, codeGrant, mintCode, redeemCode } from './support/codes.js';
import { MovableClock } from './support/clock.js';
import {
  createStorage,
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
      ctx.clock = new MovableClock();
      ctx.provider = await startProvider({ ...ctx.storage.env, ...env }, { clock: ctx.clock });
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
  /** The provider's clock: tests move it past windows and lifespans instead of sleeping. */
  clock: MovableClock;
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

type Tokens = oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;

/** openid-client refreshing with one token `times` times at once: its answers and its errors. */
async function concurrently(ctx: Context, token: string, times: number) {
  const config = await relyingParty(ctx);
  const settled = await Promise.allSettled(
    Array.from({ length: times }, () => oidc.refreshTokenGrant(config, token)),
  );
  const answers: Tokens[] = [];
  const errors: unknown[] = [];
  for (const outcome of settled)
    if (outcome.status === 'fulfilled') answers.push(outcome.value);
    else errors.push(outcome.reason);
  return { answers, errors };
}

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
    ctx.clock.advance(1_100);
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

  test('a rotated token used again a moment after its rotation revokes the family and every access token issued from it', async () => {
    const config = await relyingParty(ctx);
    const first = await initial(ctx);
    const second = await oidc.refreshTokenGrant(config, first.refresh_token!);
    const third = await oidc.refreshTokenGrant(config, second.refresh_token!);
    // At once: no window in which a second use is only refused (RFC 9700 §4.14.2).
    const replay = await oauthError(
      oidc.refreshTokenGrant(config, first.refresh_token!),
      'the first token again',
    );
    assert.equal(replay.status, 400);
    assert.equal(replay.error, 'invalid_grant');
    assert.equal((await introspect(ctx, third.refresh_token!)).active, false, 'the newest token');
    for (const [name, token] of [
      ['first', first.access_token],
      ['second', second.access_token],
      ['third', third.access_token],
    ])
      assert.equal((await introspect(ctx, token)).active, false, `the ${name} access token`);
    const userinfo = await fetch(`${ctx.provider.url}/userinfo`, {
      headers: { authorization: `Bearer ${third.access_token}` },
    });
    assert.equal(userinfo.status, 401);
    const after = await oauthError(
      oidc.refreshTokenGrant(config, third.refresh_token!),
      'the newest token of a revoked family',
    );
    assert.equal(after.error, 'invalid_grant');
  });

  test('a rotated token used again much later revokes the family too', async () => {
    const config = await relyingParty(ctx);
    const first = await initial(ctx);
    const second = await oidc.refreshTokenGrant(config, first.refresh_token!);
    ctx.clock.advance(60 * 60_000); // an hour, inside the 90-minute idle lifespan
    const replay = await oauthError(
      oidc.refreshTokenGrant(config, first.refresh_token!),
      'the first token an hour later',
    );
    assert.equal(replay.error, 'invalid_grant');
    assert.equal((await introspect(ctx, second.refresh_token!)).active, false);
    assert.equal((await introspect(ctx, second.access_token)).active, false);
  });

  test('fifty concurrent refreshes with one token: one wins, and the others revoke the family, the winner’s tokens included', async () => {
    const first = await initial(ctx);
    const { answers, errors } = await concurrently(ctx, first.refresh_token!, 50);
    assert.equal(answers.length, 1, 'one rotation');
    for (const error of errors) {
      assert.ok(error instanceof oidc.ResponseBodyError, String(error));
      assert.equal(error.error, 'invalid_grant');
    }
    const [winner] = answers;
    assert.ok(winner.refresh_token);
    assert.equal((await introspect(ctx, winner.refresh_token)).active, false, 'its refresh token');
    assert.equal((await introspect(ctx, winner.access_token)).active, false, 'its access token');
    const after = await oauthError(
      oidc.refreshTokenGrant(await relyingParty(ctx), winner.refresh_token),
      'the winner’s token',
    );
    assert.equal(after.error, 'invalid_grant');
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
  test('a reuse within the grace gets a fresh rotation of the same grant; whichever token goes on first retires the other', async () => {
    const config = await relyingParty(ctx);
    const first = await initial(ctx);
    const second = await oidc.refreshTokenGrant(config, first.refresh_token!);
    ctx.clock.advance(20_000); // the client lost the answer and tries again
    const wider = await oauthError(
      oidc.refreshTokenGrant(config, first.refresh_token!, { scope: 'openid profile' }),
      'a retry with a wider scope',
    );
    assert.equal(wider.error, 'invalid_scope', 'a retry may not widen the scope either');
    const retry = await oidc.refreshTokenGrant(config, first.refresh_token!);
    assert.ok(retry.refresh_token);
    assert.notEqual(retry.refresh_token, second.refresh_token, 'a token of its own');
    assert.notEqual(retry.refresh_token, first.refresh_token);
    assert.equal(retry.scope, second.scope);
    for (const claim of ['sub', 'auth_time'] as const)
      assert.deepEqual(retry.claims()![claim], second.claims()![claim], 'the same sign-in');
    for (const token of [second.refresh_token!, retry.refresh_token, retry.access_token])
      assert.equal((await introspect(ctx, token)).active, true, 'nothing revoked');

    const next = await oidc.refreshTokenGrant(config, retry.refresh_token);
    assert.equal((await introspect(ctx, next.refresh_token!)).active, true);
    assert.equal((await introspect(ctx, second.refresh_token!)).active, false, 'retired');
    ctx.clock.advance(31_000);
    const stale = await oauthError(
      oidc.refreshTokenGrant(config, second.refresh_token!),
      'the retired token past the grace',
    );
    assert.equal(stale.error, 'invalid_grant');
    assert.equal((await introspect(ctx, next.refresh_token!)).active, false, 'a replay after all');
    assert.equal((await introspect(ctx, next.access_token)).active, false);
  });

  test('past the grace a reuse revokes the family', async () => {
    const config = await relyingParty(ctx);
    const first = await initial(ctx);
    const second = await oidc.refreshTokenGrant(config, first.refresh_token!);
    ctx.clock.advance(30_001);
    const late = await oauthError(
      oidc.refreshTokenGrant(config, first.refresh_token!),
      'the first token past the grace',
    );
    assert.equal(late.error, 'invalid_grant');
    assert.equal((await introspect(ctx, second.refresh_token!)).active, false);
    assert.equal((await introspect(ctx, second.access_token)).active, false);
  });

  test('no grace for a token whose rotation was used already: that is a replay', async () => {
    const config = await relyingParty(ctx);
    const first = await initial(ctx);
    const second = await oidc.refreshTokenGrant(config, first.refresh_token!);
    const third = await oidc.refreshTokenGrant(config, second.refresh_token!);
    const replay = await oauthError(
      oidc.refreshTokenGrant(config, first.refresh_token!),
      'the first token after the second was used',
    );
    assert.equal(replay.error, 'invalid_grant');
    assert.equal((await introspect(ctx, third.refresh_token!)).active, false);
    assert.equal((await introspect(ctx, third.access_token)).active, false);
  });

  test('fifty concurrent refreshes with one token: fifty rotations of one grant, and the family lives', async () => {
    const first = await initial(ctx);
    const { answers, errors } = await concurrently(ctx, first.refresh_token!, 50);
    assert.deepEqual(errors, []);
    const tokens = answers.map((a) => a.refresh_token!);
    assert.equal(new Set(tokens).size, 50, 'no duplicate');
    assert.equal(new Set(answers.map((a) => a.access_token)).size, 50);
    const seen = await Promise.all(tokens.map((t) => introspect(ctx, t)));
    assert.ok(seen.every((s) => s.active === true && s.sub === seen[0].sub));

    // One of them goes on; the others are retired, and the family is one chain again.
    const next = await oidc.refreshTokenGrant(await relyingParty(ctx), tokens[49]);
    assert.equal((await introspect(ctx, next.refresh_token!)).active, true);
    const after = await Promise.all(tokens.slice(0, 49).map((t) => introspect(ctx, t)));
    assert.ok(after.every((s) => s.active === false));
    assert.equal((await introspect(ctx, next.access_token)).active, true, 'the family lives');
  });
});

suite('lifetimes', {}, (ctx) => {
  test('by default a refresh token lives REFRESH_TOKEN_LIFESPAN (90m) idle', async () => {
    const first = await initial(ctx);
    const seen = await introspect(ctx, first.refresh_token!);
    assert.equal(seen.active, true);
    assert.equal(seen.token_type, 'refresh_token');
    assert.ok(
      Math.abs((seen.exp as number) - (ctx.clock.now() / 1000 + 90 * 60)) <= 2,
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
    const t0 = ctx.clock.now();
    const at = (seconds: number) =>
      ctx.clock.advance(Math.max(0, t0 + seconds * 1000 - ctx.clock.now()));
    const kept = await initial(ctx, undefined, client);
    const unused = await initial(ctx, undefined, client);
    const keptExp = (await introspect(ctx, kept.refresh_token!, client)).exp as number;
    assert.ok(Math.abs(keptExp * 1000 - (t0 + 4_000)) <= 1_500, 'the idle lifespan');

    at(3.5);
    const rotated = await refresh(ctx, kept.refresh_token!, client);
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    const rotatedToken = rotated.body.refresh_token as string;
    const rotatedExp = (await introspect(ctx, rotatedToken, client)).exp as number;
    assert.ok(rotatedExp > keptExp, 'a rotation starts the idle lifespan again');
    assert.ok(rotatedExp * 1000 <= t0 + 7_500, "but only up to the family's end");

    at(5); // past the idle lifespan of the token never used, before the family's end
    assert.equal((await introspect(ctx, unused.refresh_token!, client)).active, false);
    const stale = await refresh(ctx, unused.refresh_token!, client);
    assert.equal(stale.status, 400);
    assert.equal(stale.body.error, 'invalid_grant');
    assert.equal((await introspect(ctx, rotatedToken, client)).active, true, 'idle-fresh');

    at(8); // past the family's end, though not idle for 4 s
    assert.equal((await introspect(ctx, rotatedToken, client)).active, false);
    const ended = await refresh(ctx, rotatedToken, client);
    assert.equal(ended.status, 400);
    assert.equal(ended.body.error, 'invalid_grant');
  });
});
