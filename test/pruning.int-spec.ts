import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ClientsService } from '../src/clients/clients.service.js';
import type { Client } from '../src/clients/client.entity.js';
import { ConsentPruning } from '../src/consent/consent-pruning.js';
import { ConsentService } from '../src/consent/consent.service.js';
import { Pruning } from '../src/database/pruning.js';
import { SessionCleanup } from '../src/sessions/session-cleanup.js';
import { SessionsService } from '../src/sessions/sessions.service.js';
import { RefreshTokenPruning } from '../src/token/refresh-token-pruning.js';
import { RefreshTokens } from '../src/token/refresh-tokens.js';
import { authenticationContext } from '../src/users/authentication-context.js';
import { UsersService } from '../src/users/users.service.js';
import { registerClient } from './support/clients.js';
import { MovableClock } from './support/clock.js';
import {
  createStorage,
  freePort,
  startProvider,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

const MIN = 60_000;
const TABLES = ['sessions', 'consents', 'refresh_tokens', 'backchannel_deliveries'] as const;
type Counts = Record<(typeof TABLES)[number], number>;

/**
 * Issue 15, item 3: with short lifetimes and the injectable clock, the pruning jobs of two
 * instances delete what is past its use and PRUNING_RETENTION, in batches (of 7 here), one
 * instance at a time per table, keep what is still needed, and the tables return to their size.
 */
describe('pruning keeps the tables bounded, two instances', { timeout: 120_000 }, () => {
  let storage: Storage;
  let a: RunningProvider;
  let b: RunningProvider;
  let client: Client;
  const clock = new MovableClock();
  const run = randomBytes(3).toString('hex');
  let users = 0;

  before(async () => {
    storage = await createStorage('services');
    const portA = await freePort();
    const env = {
      ...storage.env,
      ISSUER: `http://127.0.0.1:${portA}`,
      PRUNING_RETENTION: '1h',
      PRUNING_BATCH_SIZE: '7',
      // The test runs each pass itself; the schedule never fires during it.
      PRUNING_INTERVAL: '1d',
      ACCESS_TOKEN_LIFESPAN: '5m',
      REFRESH_TOKEN_LIFESPAN: '30m',
      REFRESH_TOKEN_FAMILY_LIFESPAN: '2h',
      SESSION_EXPIRATION: '1h',
      SESSION_INACTIVITY: '20m',
    };
    a = await startProvider({ ...env, PORT: String(portA) }, { clock });
    b = await startProvider(env, { clock });
    const registered = await registerClient(a.app, {
      redirect_uris: ['https://rp.example/cb'],
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'openid offline_access',
      consent_mode: 'pre-configured',
      pre_configured_consent_duration: '1h',
    });
    client = (await a.app.get(ClientsService).find(registered.clientId))!;
  });
  after(async () => {
    await Promise.allSettled([a?.close(), b?.close()]);
    await storage?.dispose();
  });

  async function counts(): Promise<Counts> {
    const db = new pg.Client({ connectionString: storage.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query<Counts>(
        `SELECT ${TABLES.map((t) => `(SELECT count(*)::int FROM ${t}) AS ${t}`).join(', ')}`,
      );
      return rows[0];
    } finally {
      await db.end();
    }
  }

  /** Every pruning job of both instances at once; the rows each table lost. */
  async function pruneOnBoth(): Promise<Counts> {
    const passes = await Promise.all(
      [a, b].map(async (instance) => {
        const [refresh, consents, module] = await Promise.all([
          instance.app.get(RefreshTokenPruning).run(),
          instance.app.get(ConsentPruning).run(),
          instance.app.get(SessionCleanup).run(),
        ]);
        return {
          refresh_tokens: refresh ?? 0,
          consents: consents ?? 0,
          sessions: module.sessions ?? 0,
          backchannel_deliveries: module.deliveries ?? 0,
        };
      }),
    );
    return Object.fromEntries(TABLES.map((t) => [t, passes[0][t] + passes[1][t]])) as Counts;
  }

  /** For each of `n` users: a session, a consent, a refresh-token family, rotated twice for half. */
  async function fill(n: number, accessTokenMs = 5 * MIN) {
    const refreshTokens = a.app.get(RefreshTokens);
    const families: string[] = [];
    for (let i = 0; i < n; i++) {
      const user = await a.app.get(UsersService).create({
        username: `pruned-${run}-${users++}`,
        password: 'a long enough password',
        claims: {},
        origin: 'admin',
      });
      await a.app.get(SessionsService).create({
        userId: user.id,
        authTime: new Date(clock.now()),
        ...authenticationContext(['password']),
      });
      await a.app.get(ConsentService).remember({
        userId: user.id,
        client,
        scopes: ['openid', 'offline_access'],
        claims: [],
      });
      const familyId = refreshTokens.newFamilyId();
      families.push(familyId);
      const exp = Math.floor((clock.now() + accessTokenMs) / 1000);
      let { token } = await refreshTokens.issue(
        client,
        {
          familyId,
          clientId: client.clientId,
          userId: user.id,
          sessionId: null,
          scope: ['openid', 'offline_access'],
          claims: {},
          resources: [],
          authTime: Math.floor(clock.now() / 1000),
          amr: ['pwd'],
          acr: '',
          dpopJkt: null,
        },
        { jti: `at-${run}-${users}`, exp },
      );
      for (let r = 0; i % 2 === 0 && r < 2; r++) {
        const rotation = await refreshTokens.rotate(token, client);
        assert.equal(rotation.outcome, 'rotated');
        if (rotation.outcome !== 'rotated') return families;
        ({ token } = await refreshTokens.attach(rotation.next, {
          jti: `at-${run}-${i}-${r}`,
          exp,
        }));
      }
    }
    return families;
  }

  test('what is in use is kept; what is past its use and the retention goes, table by table', async () => {
    const baseline = await counts();
    const families = await fill(10);
    // Three families revoked (a sign-out, say): the access tokens issued with them live 5 min.
    for (const family of families.slice(0, 3)) await a.app.get(RefreshTokens).revokeFamily(family);
    const db = new pg.Client({ connectionString: storage.databaseUrl });
    await db.connect();
    try {
      for (let i = 0; i < 9; i++) {
        await db.query(
          `INSERT INTO backchannel_deliveries (client_id, uri, user_id, sid, next_attempt_at, created_at)
           VALUES ($1, 'https://rp.example/bcl', gen_random_uuid(), 'sid', $2, $3)`,
          [client.clientId, new Date(clock.now() + 86_400_000), new Date(clock.now())],
        );
      }
    } finally {
      await db.end();
    }
    const filled = await counts();
    // 10 sessions, 10 consents, 10 families of which 5 rotated twice: 20 refresh tokens.
    assert.deepEqual(Object.fromEntries(TABLES.map((t) => [t, filled[t] - baseline[t]])), {
      sessions: 10,
      consents: 10,
      refresh_tokens: 20,
      backchannel_deliveries: 9,
    });

    // Now: everything is in use.
    assert.deepEqual(await pruneOnBoth(), {
      sessions: 0,
      consents: 0,
      refresh_tokens: 0,
      backchannel_deliveries: 0,
    });

    // 25 minutes on: the sessions are idle (deleted at once); the refresh tokens idle-expired
    // (kept for the retention), the consents and deliveries still within it.
    clock.advance(25 * MIN);
    assert.deepEqual(await pruneOnBoth(), {
      sessions: 10,
      consents: 0,
      refresh_tokens: 0,
      backchannel_deliveries: 0,
    });

    // Past every lifetime and the retention: each table is back to its size.
    clock.advance(150 * MIN);
    assert.deepEqual(await pruneOnBoth(), {
      sessions: 0,
      consents: 10,
      refresh_tokens: 20,
      backchannel_deliveries: 9,
    });
    assert.deepEqual(await counts(), baseline);
    const pruned = (instance: RunningProvider) => instance.app.get(Pruning).pruned;
    for (const table of TABLES) {
      assert.equal(
        (pruned(a).get(table) ?? 0) + (pruned(b).get(table) ?? 0),
        filled[table] - baseline[table],
        `rows pruned of ${table}, counted for the metrics`,
      );
    }
  });

  test('a refresh token stays while the access token issued with it lives', async () => {
    const baseline = await counts();
    // An access token of three hours (a resource's own lifespan, say), revoked at once.
    const [family] = await fill(1, 3 * 60 * MIN);
    await a.app.get(RefreshTokens).revokeFamily(family);
    // Past its idle end, its revocation and the retention: kept, the access token lives.
    clock.advance(100 * MIN);
    await pruneOnBoth();
    // The family: its first token and two rotations, each with its own access token.
    assert.equal((await counts()).refresh_tokens, baseline.refresh_tokens + 3);
    clock.advance(90 * MIN);
    assert.equal((await pruneOnBoth()).refresh_tokens, 3);
    assert.equal((await counts()).refresh_tokens, baseline.refresh_tokens);
  });
});
