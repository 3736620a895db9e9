import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { settleAttempt } from '../../src/cache/failure-limiter.js';
import { LoginRegulation } from '../../src/users/login-regulation.js';
import { MovableClock } from '../support/clock.js';
import { TEST_REDIS_URL } from '../support/provider.js';
import { startServices, type RunningServices } from '../support/services.js';

/**
 * LoginRegulation on two "instances" sharing one real Redis, with a clock the test moves: the
 * counts and bans of issue 12 finding 7, without a server in between.
 */
describe('login regulation across two instances on Redis', { timeout: 30_000 }, () => {
  const clock = new MovableClock();
  let a: RunningServices;
  let b: RunningServices;
  const env = {
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: `svc${randomBytes(4).toString('hex')}:`,
    REGULATION_MAX_RETRIES: '3',
    REGULATION_FIND_TIME: '2m',
    REGULATION_BAN_TIME: '5m',
    REGULATION_ADDRESS_MAX_FAILURES: '4',
  };
  before(async () => {
    [a, b] = await Promise.all(
      [0, 1].map(() => startServices(env, { providers: [LoginRegulation] }, { clock })),
    );
  });
  after(() => Promise.allSettled([a?.close(), b?.close()]));

  let n = 0;
  const fresh = (name: string) => `${name}-${++n}`;
  const regulation = (i: number) => (i % 2 ? b : a).app.get(LoginRegulation);

  /** An attempt on instance `i` whose check comes out `ok`. */
  async function attempt(i: number, name: string, ok: boolean, address = `192.0.2.${++n}`) {
    const admitted = await regulation(i).admit('password', name, address);
    if (typeof admitted === 'string') return admitted;
    // The check lets the other attempts run first, so they overlap, without waiting real time.
    return settleAttempt(
      admitted,
      () => new Promise<boolean>((r) => setImmediate(() => r(ok))),
      Boolean,
    );
  }

  test('twelve parallel wrong passwords on both instances: three are checked, then the name is banned', async () => {
    const name = fresh('guessed');
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, (_, i) => attempt(i, name, false)),
    );
    assert.equal(outcomes.filter((o) => o === false).length, 3, outcomes.join(' '));
    assert.ok(
      outcomes.every((o) => o === false || o === 'user_banned' || o === 'too_many_attempts'),
    );
    assert.equal(await attempt(1, name, true), 'user_banned', 'the right password too');
  });

  test('twenty parallel right passwords on both instances all go through', async () => {
    const name = fresh('popular');
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => attempt(i, name, true)),
    );
    assert.deepEqual(outcomes, Array(20).fill(true));
  });

  test('attempts abandoned for a server reason count nothing, on either instance', async () => {
    const name = fresh('outage');
    for (let i = 0; i < 6; i++) {
      const admitted = await regulation(i).admit('password', name, '198.51.100.1');
      assert.equal(typeof admitted, 'object');
      if (typeof admitted === 'string') return;
      await assert.rejects(
        settleAttempt(admitted, () => Promise.reject(new Error('database away')), Boolean),
      );
    }
    assert.equal(await attempt(0, name, false), false);
    assert.equal(await attempt(1, name, false), false);
    assert.equal(await attempt(0, name, true), true, 'two failures, not eight');
  });

  test('a ban ends on the clock for both instances, and the count starts afresh', async () => {
    const name = fresh('patient');
    for (let i = 0; i < 3; i++) assert.equal(await attempt(i, name, false), false);
    assert.equal(await attempt(0, name, true), 'user_banned');
    assert.equal(await attempt(1, name, true), 'user_banned');
    clock.advance(5 * 60_000 + 1);
    assert.equal(await attempt(1, name, false), false);
    assert.equal(await attempt(0, name, true), true);
  });

  test('failures from one address on both instances ban it for every name; successes do not count', async () => {
    const address = '203.0.113.50';
    for (let i = 0; i < 6; i++) assert.equal(await attempt(i, fresh('fine'), true, address), true);
    for (let i = 0; i < 4; i++)
      assert.equal(await attempt(i, fresh('sprayed'), false, address), false);
    assert.equal(await attempt(0, fresh('anyone'), true, address), 'address_banned');
    assert.equal(await attempt(1, fresh('anyone'), true, `::ffff:${address}`), 'address_banned');
    assert.equal(await attempt(0, fresh('anyone'), true, '203.0.113.51'), true);
  });
});
