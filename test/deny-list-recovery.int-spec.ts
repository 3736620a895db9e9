import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import { ShortLivedStore } from '../src/cache/short-lived-store.js';
import { DenyList } from '../src/token/deny-list.js';
import { UsersService } from '../src/users/users.service.js';
import { Browser } from './support/browser.js';
import { basicAuth, registerClient } from './support/clients.js';
import {
  createStorage,
  eventually,
  freePort,
  startProvider,
  type RunningProvider,
  type Storage,
} from './support/provider.js';
import { PrivateRedis } from './support/redis-server.js';
import { discover, signInWith } from './support/sign-in.js';

const CB = 'https://rp.example.com/cb';
const PASSWORD = 'revoked stays revoked';

/**
 * Issue 15, item 4: Redis restarted without its data (no persistence) must not make a revoked
 * access token active again. Two instances; tokens revoked at /revoke and by a refresh-token
 * replay (the family's access tokens); the redis-server of the suite's own killed and started
 * empty. While the deny list is rebuilt from Postgres introspection answers 503, never
 * `active: true` for a revoked token; afterwards every instance answers as before.
 */
describe(
  'the deny list survives Redis losing its data, two instances',
  { timeout: 120_000 },
  () => {
    let storage: Storage;
    let redis: PrivateRedis;
    let a: RunningProvider;
    let b: RunningProvider;
    let client: { clientId: string; secret?: string };
    let config: oidc.Configuration;
    const logs: string[] = [];
    const tokens = { revoked: '', active: '', replayedFamily: [] as string[] };

    before(async () => {
      storage = await createStorage('services');
      redis = await PrivateRedis.start();
      const portA = await freePort();
      const env = {
        ...storage.env,
        REDIS_URL: redis.url,
        ISSUER: `http://127.0.0.1:${portA}`,
      };
      a = await startProvider({ ...env, PORT: String(portA) }, { logLines: logs });
      b = await startProvider(env, { logLines: logs });
      client = await registerClient(a.app, {
        redirect_uris: [CB],
        grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
        scope: 'openid offline_access',
        consent_mode: 'implicit',
      });
      config = await discover(a.config.issuer, client);
      const username = `rena-${randomBytes(3).toString('hex')}`;
      await a.app.get(UsersService).create({
        username,
        password: PASSWORD,
        claims: {},
        origin: 'admin',
      });

      tokens.revoked = (await oidc.clientCredentialsGrant(config)).access_token;
      tokens.active = (await oidc.clientCredentialsGrant(config)).access_token;
      await oidc.tokenRevocation(config, tokens.revoked, { token_type_hint: 'access_token' });

      // A refresh token replayed: its family is revoked, and the access tokens issued with it.
      const first = await signInWith(
        new Browser(a.url),
        config,
        CB,
        { username, password: PASSWORD },
        { scope: 'openid offline_access' },
      );
      const second = await oidc.refreshTokenGrant(config, first.refresh_token!);
      await assert.rejects(oidc.refreshTokenGrant(config, first.refresh_token!));
      tokens.replayedFamily = [first.access_token, second.access_token];
    });
    after(async () => {
      await Promise.allSettled([a?.close(), b?.close()]);
      await redis?.down();
      await storage?.dispose();
    });

    async function introspect(on: RunningProvider, token: string) {
      const res = await fetch(`${on.url}/introspect`, {
        method: 'POST',
        headers: {
          authorization: basicAuth(client.clientId, client.secret!),
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ token }).toString(),
      });
      const body = (await res.json()) as { active?: boolean; error?: string };
      return { status: res.status, active: body.active, error: body.error };
    }

    const revoked = () => [tokens.revoked, ...tokens.replayedFamily];

    async function answersBeforeTheOutage() {
      for (const on of [a, b]) {
        for (const token of revoked()) {
          assert.deepEqual(await introspect(on, token), {
            status: 200,
            active: false,
            error: undefined,
          });
        }
        assert.equal((await introspect(on, tokens.active)).active, true);
      }
    }

    test('before: the revoked tokens are inactive on both instances', answersBeforeTheOutage);

    test('Redis restarted empty: 503 or inactive while it is rebuilt, never active; then as before', async () => {
      let watching = true;
      const seen: { status: number; active?: boolean; error?: string }[] = [];
      const watcher = (async () => {
        for (let i = 0; watching; i++) {
          const answer = await introspect(i % 2 ? b : a, revoked()[i % 3]).catch(() => undefined);
          if (answer) seen.push(answer);
        }
      })();
      await redis.down();
      await eventually(
        () => (seen.some((answer) => answer.status === 503) ? true : undefined),
        10_000,
        'a 503 while Redis is away',
      );
      await redis.up();
      for (const on of [a, b]) {
        await eventually(
          async () => ((await introspect(on, tokens.active)).active === true ? true : undefined),
          15_000,
          'introspection to serve again',
        );
      }
      watching = false;
      await watcher;

      for (const answer of seen) {
        assert.ok(
          (answer.status === 200 && answer.active === false) ||
            (answer.status === 503 && answer.error === 'temporarily_unavailable'),
          JSON.stringify(answer),
        );
      }
      assert.ok(
        seen.some((answer) => answer.status === 503),
        'the outage and the rebuild were met',
      );
      await answersBeforeTheOutage();
      assert.ok(logs.some((line) => line.includes('Deny list restored from Postgres: 3 revoked')));
    });

    test('a denial whose copy to Redis was lost is copied back by the reconciliation', async () => {
      const { access_token: token } = await oidc.clientCredentialsGrant(config);
      await oidc.tokenRevocation(config, token, { token_type_hint: 'access_token' });
      const jti = (
        JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as {
          jti: string;
        }
      ).jti;
      // As if the copy had failed: Postgres has the denial, Redis does not.
      await a.app.get(ShortLivedStore).delete(`revoked-at:${jti}`);
      assert.equal((await introspect(b, token)).active, true, 'the copy is what answers');
      assert.equal((await a.app.get(DenyList).reconcile()) >= 1, true);
      for (const on of [a, b]) assert.equal((await introspect(on, token)).active, false);
    });
  },
);
