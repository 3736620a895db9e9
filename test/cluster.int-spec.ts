import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import { KeysService } from '../src/keys/keys.service.js';
import { MovableClock } from './support/clock.js';
import {
  createStorage,
  eventually,
  getJwks,
  startProvider,
  TEST_SECRET,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

const run = promisify(execFile);

/** Two instances on one Postgres and one Redis. The cron never fires here: the test drives the job. */
const SETTINGS = {
  SIGNING_ALGS: 'RS256,ES256,EdDSA',
  KEY_ROTATION_PERIOD: '2s',
  KEY_PREPUBLISH_PERIOD: '1s',
  KEY_RETENTION_PERIOD: '1h',
  KEY_ROTATION_CRON: '0 0 1 1 *',
  // Only pub/sub can make the other instance see a change within the test.
  KEY_RELOAD_INTERVAL: '1h',
};

describe('two instances on one Postgres and one Redis', { timeout: 120_000 }, () => {
  let storage: Storage;
  let a: RunningProvider;
  let b: RunningProvider;
  /** Both instances': a test moves it past the rotation period instead of sleeping. */
  const clock = new MovableClock();

  before(async () => {
    storage = await createStorage('services');
    // Booting both at once races the first key creation: still one active and one next.
    [a, b] = await Promise.all([
      startProvider({ ...storage.env, ...SETTINGS }, { clock }),
      startProvider({ ...storage.env, ...SETTINGS }, { clock }),
    ]);
  });
  after(async () => {
    await Promise.allSettled([a?.close(), b?.close()]);
    await storage?.dispose();
  });

  async function countByStatus(): Promise<Record<string, number>> {
    const rows = await a.app
      .get(DataSource)
      .query<{ k: string; n: number }[]>(
        `SELECT alg || ':' || status AS k, count(*)::int AS n FROM signing_keys GROUP BY 1`,
      );
    return Object.fromEntries(rows.map((r) => [r.k, r.n]));
  }

  test('booting together creates one active and one next key per algorithm', async () => {
    assert.deepEqual(await countByStatus(), {
      'EdDSA:active': 1,
      'EdDSA:next': 1,
      'ES256:active': 1,
      'ES256:next': 1,
      'RS256:active': 1,
      'RS256:next': 1,
    });
    assert.deepEqual(
      (await getJwks(a.url)).keys.map((k) => k.kid).sort(),
      (await getJwks(b.url)).keys.map((k) => k.kid).sort(),
    );
  });

  test('the rotation job run on both at the same moment creates exactly one new key per algorithm', async () => {
    clock.advance(2_100); // the active keys are now due
    const beforeRows = (await a.app.get(KeysService).list()).map((k) => k.kid);
    const [ra, rb] = await Promise.all([
      a.app.get(KeysService).runRotation(),
      b.app.get(KeysService).runRotation(),
    ]);
    const created = [...(ra?.created ?? []), ...(rb?.created ?? [])];
    assert.equal(created.length, 3, `one new key per algorithm, got ${JSON.stringify({ ra, rb })}`);
    const afterRows = await a.app.get(KeysService).list();
    assert.equal(afterRows.filter((k) => !beforeRows.includes(k.kid)).length, 3);
    assert.deepEqual(await countByStatus(), {
      'EdDSA:active': 1,
      'EdDSA:next': 1,
      'EdDSA:retired': 1,
      'ES256:active': 1,
      'ES256:next': 1,
      'ES256:retired': 1,
      'RS256:active': 1,
      'RS256:next': 1,
      'RS256:retired': 1,
    });
  });

  test("a rotation by one instance is in the other one's JWKS within 5 s", async () => {
    const started = Date.now();
    const outcome = await a.app.get(KeysService).rotateNow(['RS256']);
    assert.equal(outcome.created.length, 1);
    const newKid = outcome.created[0];
    const promoted = outcome.promoted[0];
    await eventually(
      async () => ((await getJwks(b.url)).keys.some((k) => k.kid === newKid) ? true : undefined),
      5_000,
      'the new key on instance B',
    );
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 5_000, `seen after ${elapsed} ms`);
    assert.equal(
      b.app.get(KeysService).ring.active('RS256')?.kid,
      promoted,
      'B signs with the promoted key',
    );
  });

  test('the CLI, as a third process, revokes a key; both instances follow within 5 s', async () => {
    const env = {
      ...process.env,
      ...storage.env,
      ...SETTINGS,
      KEYS_ENCRYPTION_SECRET: TEST_SECRET,
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
    };
    const victim = a.app.get(KeysService).ring.active('ES256')!.kid;
    const revoke = await run(process.execPath, ['dist/src/cli.js', 'keys:revoke', victim], { env });
    assert.match(revoke.stdout, new RegExp(`revoked: ${victim}`));
    for (const instance of [a, b]) {
      await eventually(
        async () =>
          (await getJwks(instance.url)).keys.some((k) => k.kid === victim) ? undefined : true,
        5_000,
        'revocation seen',
      );
      assert.notEqual(instance.app.get(KeysService).ring.active('ES256')?.kid, victim);
    }
    // A kid may begin with '-' (base64url): it is the key's name, never an option.
    const dashed = await run(process.execPath, ['dist/src/cli.js', 'keys:revoke', '-Ab3'], {
      env,
    }).catch((e: { stderr: string }) => e);
    assert.match(dashed.stderr, /No signing key has kid -Ab3/);
    const list = await run(process.execPath, ['dist/src/cli.js', 'keys:list', '--json'], { env });
    const rows = JSON.parse(list.stdout) as { kid: string; status: string }[];
    assert.equal(rows.find((r) => r.kid === victim)?.status, 'revoked');
  });
});
