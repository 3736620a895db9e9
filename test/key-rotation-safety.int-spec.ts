import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { KeysService } from '../src/keys/keys.service.js';
import { ADMIN_ENV, adminToken, api } from './support/admin.js';
import { MovableClock } from './support/clock.js';
import {
  createStorage,
  eventually,
  freePort,
  getJwks,
  startProvider,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

const MIN = 60_000;

interface Key {
  kid: string;
  alg: string;
  status: string;
}

/**
 * Issue 15, item 5: manual rotations at once on two instances (admin API and the service the
 * CLI calls) never leave a signing key that was published for less than the JWKS max-age
 * (600 s with the default KEY_PREPUBLISH_PERIOD); such a rotation is refused with a message
 * that says when to try again and names the emergency option; repeated at once, a rotation is
 * done once; the emergency option promotes anyway, once.
 */
describe('manual key rotation under concurrency, two instances', { timeout: 120_000 }, () => {
  let storage: Storage;
  let a: RunningProvider;
  let b: RunningProvider;
  let token: string;
  const clock = new MovableClock();

  before(async () => {
    storage = await createStorage('services');
    const portA = await freePort();
    const env = {
      ...storage.env,
      ...ADMIN_ENV,
      ISSUER: `http://127.0.0.1:${portA}`,
      SIGNING_ALGS: 'RS256',
    };
    a = await startProvider({ ...env, PORT: String(portA) }, { clock });
    b = await startProvider(env, { clock });
    token = await adminToken(a);
  });
  after(async () => {
    await Promise.allSettled([a?.close(), b?.close()]);
    await storage?.dispose();
  });

  const keys = async () =>
    ((await api(`${a.url}/admin/keys`, token)).body.keys as Key[])
      .filter((k) => k.status === 'active' || k.status === 'next')
      .map((k) => `${k.status}:${k.kid}`)
      .sort();
  const rotateOn = (on: RunningProvider, body: Record<string, unknown> = {}) =>
    api(`${on.url}/admin/keys/rotate`, token, { method: 'POST', body });
  /** Four at once: the admin API of each instance and each instance's service (as the CLI). */
  const fourAtOnce = (emergency = false) =>
    Promise.all([
      rotateOn(a, { emergency }).then((r) => ({ status: r.status, body: r.body })),
      rotateOn(b, { emergency }).then((r) => ({ status: r.status, body: r.body })),
      ...[a, b].map((on) =>
        on.app
          .get(KeysService)
          .rotateNow(undefined, { emergency })
          .then(
            (outcome) => ({ status: 200, body: outcome as unknown as Record<string, unknown> }),
            (e: Error) => ({ status: 400, body: { error_description: e.message } }),
          ),
      ),
    ]);
  const promotedIn = (answers: { status: number; body: Record<string, unknown> }[]) =>
    answers.flatMap((r) => (r.status === 200 ? (r.body.promoted as string[]) : []));

  test('a next key published moments ago is not promoted: refused, and nothing changes', async () => {
    const before = await keys();
    const answers = await fourAtOnce();
    for (const answer of answers) {
      assert.equal(answer.status, 400);
      assert.match(
        String(answer.body.error_description),
        /published for \d+ s, less than the JWKS cache lifetime \(600 s\): relying parties may not know it yet\. Rotate again in \d+ s, or as an emergency/,
      );
    }
    assert.deepEqual(await keys(), before);
  });

  test('once it has been published for the max-age: four rotations at once promote it once', async () => {
    const before = await keys();
    const next = before.find((k) => k.startsWith('next:'))!.slice(5);
    clock.advance(11 * MIN);
    const answers = await fourAtOnce();
    assert.ok(
      answers.every((r) => r.status === 200),
      JSON.stringify(answers.map((r) => r.body)),
    );
    assert.deepEqual(promotedIn(answers), [next], 'promoted once, whichever instance did it');
    const after = await keys();
    assert.ok(after.includes(`active:${next}`));
    assert.equal(after.filter((k) => k.startsWith('next:')).length, 1, 'one new next key');
    // Asked again within the minute (a retry): the same rotation, nothing more.
    assert.deepEqual(promotedIn([await rotateOn(b)]), []);
    assert.deepEqual(await keys(), after);
    // Later, the new next key is still too fresh: refused again.
    clock.advance(2 * MIN);
    assert.equal((await rotateOn(a)).status, 400);
    assert.deepEqual(await keys(), after);
  });

  test('an emergency rotation promotes a fresh next key, once for four requests at once', async () => {
    const before = await keys();
    const next = before.find((k) => k.startsWith('next:'))!.slice(5);
    const answers = await fourAtOnce(true);
    assert.ok(answers.every((r) => r.status === 200));
    assert.deepEqual(promotedIn(answers), [next]);
    assert.ok((await keys()).includes(`active:${next}`));
    // Every instance publishes it within seconds.
    for (const on of [a, b]) {
      await eventually(
        async () => ((await getJwks(on.url)).keys.some((k) => k.kid === next) ? true : undefined),
        10_000,
        'the promoted key in the JWKS',
      );
    }
  });
});
