import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FailureLimiter, settleAttempt, type Reservation } from './failure-limiter.js';
import { MemoryStore } from './memory.store.js';

/** Lets the other attempts run before this one goes on: overlap without waiting real time. */
const othersRun = () => new Promise((resolve) => setImmediate(resolve));

class Clock {
  offset = 0;
  now = () => Date.now() + this.offset;
}

describe('FailureLimiter', () => {
  const store = new MemoryStore();
  after(() => store.close());
  let n = 0;
  const limiter = (successForgets = false, maxFailures = 3, waitMs = 5_000) => {
    const clock = new Clock();
    const limit = { maxFailures, findTime: 60_000, banTime: 30_000 };
    return {
      clock,
      limiter: new FailureLimiter(store, clock, `spec-${++n}`, limit, { successForgets, waitMs }),
    };
  };
  const isPlace = (r: Reservation | string): r is Reservation => typeof r !== 'string';

  test('ten parallel attempts that succeed all get through, never more than the limit at once', async () => {
    const { limiter: users } = limiter(true);
    let inFlight = 0;
    let most = 0;
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const place = await users.reserve('alice');
        if (!isPlace(place)) return place;
        return settleAttempt(
          place,
          async () => {
            most = Math.max(most, ++inFlight);
            await othersRun();
            inFlight--;
            return true;
          },
          Boolean,
        );
      }),
    );
    assert.deepEqual(outcomes, Array(10).fill(true));
    assert.ok(most <= 3, `${most} attempts were in flight at once`);
    assert.equal(await users.bannedFor('alice'), 0);
  });

  test('of twenty parallel guesses, only the limit is checked; then the subject is banned', async () => {
    const { limiter: users } = limiter(true);
    let checked = 0;
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const place = await users.reserve('bob');
        if (!isPlace(place)) return place;
        return settleAttempt(
          place,
          async () => {
            checked++;
            await othersRun();
            return false;
          },
          Boolean,
        );
      }),
    );
    assert.equal(checked, 3);
    assert.equal(outcomes.filter((o) => o === false).length, 3);
    assert.ok(outcomes.every((o) => o === false || o === 'banned' || o === 'busy'));
    assert.ok((await users.bannedFor('bob')) > 29_000);
    assert.equal(await users.reserve('bob'), 'banned', 'a right answer is refused too');
  });

  test('an attempt abandoned for a server reason counts nothing', async () => {
    const { limiter: users } = limiter(true);
    for (let i = 0; i < 5; i++) {
      const place = await users.reserve('carol');
      assert.ok(isPlace(place));
      await assert.rejects(
        settleAttempt(
          place,
          () => Promise.reject(new Error('Connection terminated unexpectedly')),
          Boolean,
        ),
        /Connection terminated/,
      );
    }
    for (let i = 0; i < 2; i++) {
      const place = await users.reserve('carol');
      assert.ok(isPlace(place));
      await place.failed();
    }
    assert.equal(await users.bannedFor('carol'), 0, 'two failures, not seven');
  });

  test('a reservation settles once: a second outcome changes nothing', async () => {
    const { limiter: users } = limiter(true);
    const place = await users.reserve('dora');
    assert.ok(isPlace(place));
    await place.failed();
    await place.failed();
    await place.failed();
    assert.equal(await users.bannedFor('dora'), 0);
  });

  test('a success forgets earlier failures only where asked to', async () => {
    for (const forgets of [true, false]) {
      const { limiter: subjects } = limiter(forgets);
      for (const outcome of ['failed', 'failed', 'succeeded', 'failed'] as const) {
        const place = await subjects.reserve('erin');
        assert.ok(isPlace(place));
        await place[outcome]();
      }
      assert.equal((await subjects.bannedFor('erin')) > 0, !forgets, `forgets: ${forgets}`);
    }
  });

  test('failures without a reservation ban too; kinds count apart under one ban', async () => {
    const { limiter: users, clock } = limiter(true, 2);
    await users.fail('frank', 'password:frank');
    await users.fail('frank', 'totp:frank');
    assert.equal(await users.bannedFor('frank'), 0, 'one failure of each kind');
    await users.fail('frank', 'totp:frank');
    assert.ok((await users.bannedFor('frank')) > 0);
    assert.equal(await users.reserve('frank', 'password:frank'), 'banned');
    clock.offset += 30_001;
    assert.equal(await users.bannedFor('frank'), 0, 'the ban ends on the clock');
    const place = await users.reserve('frank', 'totp:frank');
    assert.ok(isPlace(place), 'the window starts afresh after the ban');
    await place.failed();
    assert.equal(await users.bannedFor('frank'), 0);
  });

  test('while every place is held past the wait, an attempt is refused as busy', async () => {
    const { limiter: users } = limiter(true, 1, 150);
    const held = await users.reserve('gina');
    assert.ok(isPlace(held));
    const started = performance.now();
    assert.equal(await users.reserve('gina'), 'busy');
    assert.ok(performance.now() - started >= 150, 'it waited for the place first');
    await held.succeeded();
    assert.ok(isPlace(await users.reserve('gina')));
  });

  test('a limit of 0 is off: every attempt gets a place and nothing is stored', async () => {
    const { limiter: off } = limiter(true, 0);
    for (let i = 0; i < 5; i++) {
      const place = await off.reserve('hank');
      assert.ok(isPlace(place));
      await place.failed();
      await off.fail('hank');
    }
    assert.equal(await off.bannedFor('hank'), 0);
  });
});
