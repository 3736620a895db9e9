import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import pg from 'pg';
import { UsersService } from '../src/users/users.service.js';
import { registerClient } from './support/clients.js';
import { CODE_REDIRECT_URI, codeGrant, mintCode, redeemCode } from './support/codes.js';
import {
  createStorage,
  freePort,
  startProvider,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

type Tokens = oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;

interface Cluster {
  a: RunningProvider;
  b: RunningProvider;
  /** What both instances log, for counting how each reuse was decided. */
  logLines: string[];
  userId: string;
  client: { clientId: string; secret?: string };
  /** openid-client for the client, one configuration per instance (one issuer). */
  rp: [oidc.Configuration, oidc.Configuration];
  db: pg.Client;
}

/** Two instances on one Postgres and one Redis, with `env`; set up around the suite. */
function twoInstances(env: Record<string, string>): Cluster {
  const cluster = { logLines: [] as string[] } as Cluster;
  let storage: Storage;
  before(async () => {
    storage = await createStorage('services');
    const portA = await freePort();
    const shared = { ...storage.env, ISSUER: `http://127.0.0.1:${portA}`, ...env };
    const options = { logLines: cluster.logLines };
    cluster.a = await startProvider({ ...shared, PORT: String(portA) }, options);
    cluster.b = await startProvider(shared, options);
    cluster.db = new pg.Client({ connectionString: storage.databaseUrl });
    await cluster.db.connect();
    const user = await cluster.a.app.get(UsersService).create({
      username: `nora-${randomBytes(3).toString('hex')}`,
      claims: {},
      origin: 'admin',
    });
    cluster.userId = user.id;
    cluster.client = await registerClient(cluster.a.app, {
      redirect_uris: [CODE_REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'openid offline_access',
      token_endpoint_auth_method: 'client_secret_post',
    });
    const { clientId, secret } = cluster.client;
    const onA = await oidc.discovery(
      new URL(cluster.a.config.issuer),
      clientId,
      undefined,
      oidc.ClientSecretPost(secret),
      { execute: [oidc.allowInsecureRequests] },
    );
    const onB = new oidc.Configuration(
      {
        issuer: onA.serverMetadata().issuer,
        jwks_uri: onA.serverMetadata().jwks_uri,
        token_endpoint: `${cluster.b.url}/token`,
        introspection_endpoint: `${cluster.b.url}/introspect`,
      },
      clientId,
      undefined,
      oidc.ClientSecretPost(secret),
    );
    oidc.allowInsecureRequests(onB);
    cluster.rp = [onA, onB];
  });
  after(async () => {
    await cluster.db?.end();
    await Promise.allSettled([cluster.a?.close(), cluster.b?.close()]);
    await storage?.dispose();
  });
  return cluster;
}

/** A refresh token from a code granted with offline_access, redeemed at A. */
async function firstToken(cluster: Cluster): Promise<string> {
  const code = await mintCode(
    cluster.a,
    codeGrant(cluster.client.clientId, cluster.userId, { scope: ['openid', 'offline_access'] }),
  );
  const first = await redeemCode(cluster.a, cluster.client, code);
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const token = first.body.refresh_token as string;
  assert.ok(token);
  return token;
}

/** Fifty refreshes with one token at once, alternating between A and B. */
async function fiftyAtOnce(cluster: Cluster, token: string) {
  const settled = await Promise.allSettled(
    Array.from({ length: 50 }, (_, i) => oidc.refreshTokenGrant(cluster.rp[i % 2], token)),
  );
  const answers: Tokens[] = [];
  const errors: unknown[] = [];
  for (const outcome of settled)
    if (outcome.status === 'fulfilled') answers.push(outcome.value);
    else errors.push(outcome.reason);
  return { answers, errors };
}

const active = async (cluster: Cluster, token: string, on = 0) =>
  (await oidc.tokenIntrospection(cluster.rp[on], token)).active;

/** The rows of the family of `token`, as Postgres holds them. */
async function family(cluster: Cluster, token: string) {
  const digest = createHash('sha256').update(token).digest('base64url');
  const { rows } = await cluster.db.query<{
    id: string;
    parent_id: string | null;
    used: boolean;
    revoked: boolean;
    first: boolean;
  }>(
    `SELECT id, parent_id, used_at IS NOT NULL AS used, revoked_at IS NOT NULL AS revoked,
            token_digest = $1 AS first
       FROM refresh_tokens
      WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_digest = $1)`,
    [digest],
  );
  return rows;
}

const count = (lines: string[], text: string) => lines.filter((l) => l.includes(text)).length;

/** Refresh-token rotation decided by Postgres, not by either instance's memory. */
describe('refresh tokens across two instances, no grace', { timeout: 60_000 }, () => {
  const cluster = twoInstances({});

  test('fifty concurrent refreshes over A and B: exactly one rotation, and the reuses revoke the family, the winner’s tokens included', async () => {
    for (let round = 0; round < 3; round++) {
      const token = await firstToken(cluster);
      const logged = cluster.logLines.length;
      const { answers, errors } = await fiftyAtOnce(cluster, token);
      assert.equal(answers.length, 1, `round ${round}: one winner`);
      for (const error of errors) {
        assert.ok(error instanceof oidc.ResponseBodyError, String(error));
        assert.equal(error.error, 'invalid_grant');
      }
      const [winner] = answers;
      assert.equal(await active(cluster, winner.refresh_token!, 1), false, 'its refresh token');
      assert.equal(await active(cluster, winner.access_token, 0), false, 'its access token');
      await assert.rejects(
        oidc.refreshTokenGrant(cluster.rp[round % 2], winner.refresh_token!),
        (e) => e instanceof oidc.ResponseBodyError && e.error === 'invalid_grant',
      );

      const rows = await family(cluster, token);
      assert.equal(rows.length, 2, 'the first token and the one rotation');
      assert.ok(rows.every((r) => r.revoked));
      // The first reuse revoked it; the others found it revoked.
      assert.equal(count(cluster.logLines.slice(logged), 'replayed: its family is revoked'), 1);
    }
  });
});

describe('refresh tokens across two instances, a 30 s grace', { timeout: 60_000 }, () => {
  const cluster = twoInstances({ REFRESH_TOKEN_REUSE_GRACE: '30s' });

  test('fifty concurrent refreshes over A and B: one first rotation, forty-nine fresh rotations of the same grant, and the family lives on as one chain', async () => {
    for (let round = 0; round < 3; round++) {
      const token = await firstToken(cluster);
      const logged = cluster.logLines.length;
      const { answers, errors } = await fiftyAtOnce(cluster, token);
      assert.deepEqual(errors, [], `round ${round}: every one answered`);
      const tokens = answers.map((a) => a.refresh_token!);
      assert.equal(new Set(tokens).size, 50, 'no duplicate');
      assert.equal(count(cluster.logLines.slice(logged), 'reused within the grace window'), 49);

      const rows = await family(cluster, token);
      const first = rows.find((r) => r.first)!;
      assert.equal(rows.length, 51, 'one family: the first token and its fifty rotations');
      assert.ok(first.used);
      assert.ok(rows.filter((r) => !r.first).every((r) => r.parent_id === first.id && !r.used));
      assert.ok(rows.every((r) => !r.revoked));

      // One of them goes on, through the other instance; the rest are retired.
      const chosen = tokens[round * 7];
      const next = await oidc.refreshTokenGrant(cluster.rp[1], chosen);
      assert.equal(await active(cluster, next.refresh_token!, 0), true, 'the newest works');
      assert.equal(await active(cluster, next.access_token, 1), true);
      const others = tokens.filter((t) => t !== chosen);
      assert.deepEqual(
        await Promise.all(others.map((t, i) => active(cluster, t, i % 2))),
        others.map(() => false),
        'the other rotations are retired',
      );
      const after = await family(cluster, token);
      assert.equal(after.filter((r) => !r.used && !r.revoked).length, 1, 'one live token');
    }
  });
});
