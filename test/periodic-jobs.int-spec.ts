import { after, afterEach, before, beforeEach, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { PeriodicJobs } from '../src/common/periodic-jobs.js';
import { loadConfig } from '../src/config/app-config.js';
import { Database } from '../src/database/database.js';
import { TEST_DATABASE_URL, TEST_SECRET } from './support/provider.js';

/** A promise the test settles by hand. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** Lets the promise callbacks queued so far run (timers are the test's to move). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await nextTurn();
}

/**
 * The periodic-job helper on a real Postgres. Timers are mocked: the test moves them, so
 * nothing waits for an interval to pass.
 */
describe('PeriodicJobs', { timeout: 30_000 }, () => {
  const warnings: string[] = [];
  const config = loadConfig({
    DATABASE_URL: TEST_DATABASE_URL,
    KEYS_ENCRYPTION_SECRET: TEST_SECRET,
    NODE_ENV: 'test',
  });
  // A lock id of this run only, so suites running at the same time never share it.
  const lockId = 900_000_000 + randomInt(100_000_000);
  let one: Database;
  let two: Database;
  let registry: SchedulerRegistry;
  let jobs: PeriodicJobs;

  before(async () => {
    Logger.overrideLogger({
      log: () => undefined,
      error: (message: unknown) => warnings.push(`error: ${String(message)}`),
      warn: (message: unknown) => warnings.push(String(message)),
    });
    [one, two] = await Promise.all([Database.open(config), Database.open(config)]);
  });
  after(async () => {
    await Promise.allSettled([one?.close(), two?.close()]);
  });
  beforeEach(() => {
    warnings.length = 0;
    registry = new SchedulerRegistry();
    jobs = new PeriodicJobs(registry, one);
    mock.timers.enable({ apis: ['setInterval'] });
  });
  afterEach(async () => {
    await jobs.beforeApplicationShutdown();
    mock.timers.reset();
  });

  test('passes never overlap: ticks and kicks during a pass make one more pass after it', async () => {
    let passes = 0;
    let running = 0;
    let mostAtOnce = 0;
    const firstPass = gate();
    const job = jobs.create({
      name: 'overlap',
      schedule: { every: 10 },
      run: async () => {
        passes++;
        mostAtOnce = Math.max(mostAtOnce, ++running);
        if (passes === 1) await firstPass.opened;
        running--;
        return passes;
      },
    });
    job.start();
    mock.timers.tick(10);
    await settle();
    assert.equal(passes, 1);

    mock.timers.tick(50); // five ticks while the first pass runs
    job.kick();
    assert.equal(await job.run(), undefined, 'a run asked for during a pass does not start');
    assert.equal(passes, 1);

    firstPass.open();
    await settle();
    assert.equal(passes, 2, 'one pass after the first, however many ticks came meanwhile');
    assert.equal(mostAtOnce, 1);
    assert.equal(await job.run(), 3);
  });

  test('a failed pass is one warning line, and the next pass runs on schedule', async () => {
    let passes = 0;
    const job = jobs.create({
      name: 'flaky',
      schedule: { every: 10 },
      run: () => {
        passes++;
        return passes === 1
          ? Promise.reject(new Error('connection terminated unexpectedly'))
          : Promise.resolve('done');
      },
    });
    job.start();
    mock.timers.tick(10);
    await settle();
    assert.deepEqual(warnings, ['Periodic job flaky failed: connection terminated unexpectedly']);

    mock.timers.tick(10);
    await settle();
    assert.equal(passes, 2);
    assert.equal(warnings.length, 1);
    assert.equal(await job.run(), 'done');
  });

  test('the jobs are in the SchedulerRegistry until shutdown, which waits for a pass under way', async () => {
    const passUnderWay = gate();
    let finished = false;
    const polled = jobs.create({
      name: 'polled',
      schedule: { every: 10 },
      run: async () => {
        await passUnderWay.opened;
        finished = true;
      },
    });
    jobs
      .create({ name: 'nightly', schedule: { cron: '0 3 * * *' }, run: () => Promise.resolve(0) })
      .start();
    polled.start();
    assert.ok(registry.doesExist('interval', 'polled'));
    assert.ok(registry.doesExist('cron', 'nightly'));

    polled.kick();
    const shutdown = jobs.beforeApplicationShutdown();
    await settle();
    assert.equal(finished, false, 'shutdown waits for the pass');
    passUnderWay.open();
    await shutdown;
    assert.equal(finished, true);
    assert.equal(registry.doesExist('interval', 'polled'), false);
    assert.equal(registry.doesExist('cron', 'nightly'), false);
    assert.equal(await polled.run(), undefined, 'a stopped job runs no more');
  });

  test('under an advisory lock, one instance runs a pass and the other skips it meanwhile', async () => {
    const otherJobs = new PeriodicJobs(new SchedulerRegistry(), two);
    const passOnOne = gate();
    let started = false;
    const onOne = jobs.create({
      name: 'locked',
      schedule: { every: 10 },
      advisoryLock: lockId,
      run: async () => {
        started = true;
        await passOnOne.opened;
        return 'one';
      },
    });
    let passesOnTwo = 0;
    const onTwo = otherJobs.create({
      name: 'locked',
      schedule: { every: 10 },
      advisoryLock: lockId,
      run: () => {
        passesOnTwo++;
        return Promise.resolve('two');
      },
    });

    const first = onOne.run();
    while (!started) await nextTurn();
    assert.equal(await onTwo.run(), undefined, 'skipped while the other instance holds the lock');
    assert.equal(passesOnTwo, 0);

    passOnOne.open();
    assert.equal(await first, 'one');
    assert.equal(await onTwo.run(), 'two', 'the lock is free once that pass has ended');

    const failing = jobs.create({
      name: 'locked-failing',
      schedule: { every: 10 },
      advisoryLock: lockId,
      run: () => Promise.reject(new Error('no luck')),
    });
    assert.equal(await failing.run(), undefined);
    assert.equal(await onTwo.run(), 'two', 'a failed pass releases the lock too');
    await otherJobs.beforeApplicationShutdown();
  });
});
