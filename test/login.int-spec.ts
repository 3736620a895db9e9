import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ShortLivedStore } from '../src/cache/short-lived-store.js';
import { Logger } from '@nestjs/common';
import { PasswordLogin } from '../src/users/password-login.js';
import { totpCode } from '../src/users/totp.js';
import { TotpService } from '../src/users/totp.service.js';
import type { User } from '../src/users/user.entity.js';
import { UsersService } from '../src/users/users.service.js';
import { MovableClock } from './support/clock.js';
import {
  createStorage,
  freePort,
  startProvider,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

const PASSWORD = 'correct horse battery staple';
const REFUSED = { ok: false, reason: 'invalid_credentials' };
const BAN_MS = 60_000;

/**
 * Password logins and one-time codes on two instances sharing Postgres and Redis, with
 * Authelia's regulation on short times: 3 failures within 2 s ban a user name for a minute (the test moves the clock past it); 5
 * failures from one address ban the address.
 */
describe('logins, regulation and TOTP across two instances', { timeout: 90_000 }, () => {
  let storage: Storage;
  let a: RunningProvider;
  let b: RunningProvider;
  let run: string;
  /** Both instances' clock: bans pass without waiting. */
  const clock = new MovableClock();

  before(async () => {
    storage = await createStorage('services');
    const portA = await freePort();
    const env = {
      ...storage.env,
      ISSUER: `http://127.0.0.1:${portA}`,
      REGULATION_MAX_RETRIES: '3',
      REGULATION_FIND_TIME: '2s',
      REGULATION_BAN_TIME: `${BAN_MS}ms`,
      REGULATION_ADDRESS_MAX_FAILURES: '5',
    };
    [a, b] = await Promise.all([
      startProvider({ ...env, PORT: String(portA) }, { clock }),
      startProvider(env, { clock }),
    ]);
    run = Date.now().toString(36);
  });
  after(async () => {
    await Promise.allSettled([a?.close(), b?.close()]);
    await storage?.dispose();
  });

  let addresses = 0;
  /** A fresh client address per call, so the per-address limit stays out of the way. */
  const anywhere = () => `198.51.100.${++addresses}`;
  const user = (name: string, extra: { disabled?: boolean } = {}) =>
    a.app.get(UsersService).create({
      username: `${name}-${run}`,
      password: PASSWORD,
      claims: {},
      origin: 'admin',
      ...extra,
    });
  const login = (on: RunningProvider, username: string, password: unknown, address?: unknown) =>
    on.app.get(PasswordLogin).login(username, password, address ?? anywhere());

  test('the right password logs in: amr pwd, acr one_factor, on either instance', async () => {
    const alice = await user('Alice');
    for (const on of [a, b]) {
      const result = await login(on, alice.username.toLowerCase(), PASSWORD);
      assert.equal(result.ok, true);
      assert.ok(result.ok);
      assert.equal(result.user.id, alice.id);
      assert.deepEqual(result.amr, ['pwd']);
      assert.equal(result.acr, 'one_factor');
      assert.equal(result.totpRequired, false);
    }
  });

  test('three failures ban the name (any case, across instances) even with the right password, until the ban time passes', async () => {
    const bob = await user('bob');
    const name = bob.username;
    assert.deepEqual(await login(a, name, 'wrong 1'), REFUSED);
    assert.deepEqual(await login(b, name.toUpperCase(), 'wrong 2'), REFUSED);
    assert.deepEqual(await login(a, `B${name.slice(1)}`, 'wrong 3'), REFUSED);
    assert.deepEqual(await login(b, name, PASSWORD), REFUSED);
    assert.deepEqual(await login(a, name, PASSWORD), REFUSED);
    clock.advance(BAN_MS + 1);
    const after = await login(b, name, PASSWORD);
    assert.equal(after.ok, true);
  });

  test('a spelling Postgres folds to the same account shares its ban (vİctim for victim)', async () => {
    const victim = await user('victim');
    // Postgres' lower() turns İ into i; JavaScript's toLowerCase() into i + U+0307.
    const dotted = victim.username.replace('i', 'İ');
    assert.notEqual(dotted.toLowerCase(), victim.username.toLowerCase());
    assert.equal((await a.app.get(UsersService).findByUsername(dotted))?.id, victim.id);
    for (let i = 1; i <= 3; i++) {
      assert.deepEqual(await login(i % 2 ? a : b, victim.username, `wrong ${i}`), REFUSED);
    }
    assert.deepEqual(await login(a, dotted, PASSWORD), REFUSED, 'banned under any spelling');
    assert.deepEqual(await login(b, victim.username, PASSWORD), REFUSED);
  });

  test('a refused login logs the account or a digest of the typed name, never what was typed', async (t) => {
    const warned: string[] = [];
    t.mock.method(Logger.prototype, 'warn', (message: unknown) => warned.push(String(message)));
    const logged = await user('logged');
    const typedPassword = `my-password-typed-as-name-${run}`;
    await login(a, typedPassword, PASSWORD);
    await login(a, logged.username, 'wrong password');
    assert.equal(warned.length, 2, warned.join('\n'));
    assert.ok(!warned.join('\n').includes(typedPassword), warned[0]);
    assert.match(warned[0], /Login refused \(unknown_user\) for name #[A-Za-z0-9_-]{12} from/);
    assert.match(
      warned[1],
      new RegExp(`Login refused \\(wrong_password\\) for user ${logged.id} from`),
    );
  });

  test('a success clears the failures: two failures, a success, two failures do not ban', async () => {
    const carol = await user('carol');
    for (let round = 0; round < 2; round++) {
      assert.deepEqual(await login(a, carol.username, 'nope'), REFUSED);
      assert.deepEqual(await login(b, carol.username, 'nope'), REFUSED);
      assert.equal((await login(a, carol.username, PASSWORD)).ok, true);
    }
  });

  test('unknown user, wrong password, disabled and banned users get the same answer in similar time', async () => {
    const dave = await user('dave');
    const disabled = await user('erin', { disabled: true });
    const banned = await user('frank');
    for (let i = 0; i < 3; i++) await login(a, banned.username, `wrong ${i}`);
    const cases: [string, () => Promise<unknown>][] = [
      ['unknown user', () => login(a, `nobody-${run}`, PASSWORD)],
      ['wrong password', () => login(a, dave.username, 'not the password')],
      ['disabled user', () => login(a, disabled.username, PASSWORD)],
      ['banned user', () => login(a, banned.username, PASSWORD)],
    ];
    const timings: Record<string, number> = {};
    for (const [what, attempt] of cases) {
      const durations: number[] = [];
      for (let i = 0; i < 2; i++) {
        const started = performance.now();
        assert.deepEqual(await attempt(), REFUSED, what);
        durations.push(performance.now() - started);
      }
      timings[what] = Math.min(...durations);
    }
    // Each refusal spends a password hash (tens of milliseconds); none answers in a fraction.
    const slowest = Math.max(...Object.values(timings));
    for (const [what, ms] of Object.entries(timings)) {
      assert.ok(
        ms > slowest / 3,
        `${what} took ${ms.toFixed(1)} ms, the slowest ${slowest.toFixed(1)} ms`,
      );
    }
  });

  test('five failures from one address ban the address, for any user, on every instance; other addresses are not affected', async () => {
    const gina = await user('gina');
    const address = '203.0.113.9';
    for (let i = 0; i < 5; i++) {
      assert.deepEqual(
        await login(i % 2 ? a : b, `sprayed-${i}-${run}`, PASSWORD, address),
        REFUSED,
      );
    }
    assert.deepEqual(await login(a, gina.username, PASSWORD, address), REFUSED);
    assert.deepEqual(await login(b, gina.username, PASSWORD, `::ffff:${address}`), REFUSED);
    assert.equal((await login(b, gina.username, PASSWORD, '203.0.113.10')).ok, true);

    // IPv6: one /64 is one unit.
    for (let i = 0; i < 5; i++) {
      await login(a, `sprayed6-${i}-${run}`, PASSWORD, `2001:db8:5:6::${i + 1}`);
    }
    assert.deepEqual(await login(a, gina.username, PASSWORD, '2001:db8:5:6:ffff::1'), REFUSED);
    assert.equal((await login(a, gina.username, PASSWORD, '2001:db8:5:7::1')).ok, true);
  });

  test('successful logins are not limited, per user or per address', async () => {
    const hank = await user('hank');
    for (let i = 0; i < 12; i++) {
      assert.equal((await login(i % 2 ? a : b, hank.username, PASSWORD, '192.0.2.200')).ok, true);
    }
  });

  test('bad input is refused cleanly, never thrown', async () => {
    const ivan = await user('ivan');
    const usernames: unknown[] = [
      '',
      'x'.repeat(101),
      'x'.repeat(1_000_000),
      7,
      null,
      undefined,
      {},
      [ivan.username],
      '\u0000',
      "' OR 1=1 --",
    ];
    const passwords: unknown[] = [
      '',
      'x'.repeat(4097),
      'x'.repeat(1_000_000),
      7,
      null,
      undefined,
      {},
      [PASSWORD],
    ];
    const logins = a.app.get(PasswordLogin);
    for (const username of usernames) {
      assert.deepEqual(await logins.login(username, PASSWORD, anywhere()), REFUSED);
    }
    for (const password of passwords) {
      assert.deepEqual(await logins.login(ivan.username, password, anywhere()), REFUSED);
    }
    for (const address of [undefined, null, '', 'x'.repeat(100_000), 42, {}, 'not an address']) {
      assert.equal((await logins.login(ivan.username, PASSWORD, address)).ok, true);
    }
  });

  describe('one-time codes', () => {
    let jane: User;
    let secret: Buffer;
    const settings = { algorithm: 'SHA1', digits: 6, period: 30, skew: 1 } as const;

    before(async () => {
      jane = await user('jane');
      const uri = await a.app.get(TotpService).enrol(jane);
      assert.match(uri ?? '', /^otpauth:\/\/totp\/127\.0\.0\.1:jane-.*secret=[A-Z2-7]+/);
      jane = (await a.app.get(UsersService).findById(jane.id))!;
      secret = a.app.get(UsersService).totpSecret(jane)!;
    });

    test('after the password, totpRequired; a code is accepted once, across instances', async () => {
      const first = await login(a, jane.username, PASSWORD);
      assert.ok(first.ok && first.totpRequired);
      const now = clock.now();
      const code = totpCode(secret, settings, now);
      assert.deepEqual(await a.app.get(TotpService).verifyTotp(jane, code, anywhere()), {
        ok: true,
      });
      const replay = { ok: false, reason: 'invalid_code' };
      assert.deepEqual(await b.app.get(TotpService).verifyTotp(jane, code, anywhere()), replay);
      assert.deepEqual(await a.app.get(TotpService).verifyTotp(jane, code, anywhere()), replay);
      // The next step's code (within the skew) is another code: accepted, once.
      const next = totpCode(secret, settings, now + 30_000);
      if (next !== code) {
        assert.deepEqual(await b.app.get(TotpService).verifyTotp(jane, next), { ok: true });
        assert.deepEqual(await a.app.get(TotpService).verifyTotp(jane, next), replay);
      }
    });

    test('malformed codes and users without a secret are refused cleanly', async () => {
      const kate = await user('kate');
      const totp = a.app.get(TotpService);
      const refused = { ok: false, reason: 'invalid_code' };
      assert.deepEqual(await totp.verifyTotp(kate, '123456'), refused);
      const karl = await user('karl');
      await a.app.get(TotpService).enrol(karl);
      const enrolled = (await a.app.get(UsersService).findById(karl.id))!;
      for (const code of [
        '',
        '12345',
        '1234567',
        'abcdef',
        ' 12345',
        '9'.repeat(100_000),
        123456,
        null,
        undefined,
        {},
      ]) {
        assert.deepEqual(await totp.verifyTotp(enrolled, code, anywhere()), refused);
      }
    });

    test('a code check that fails for a server reason counts nothing', async (t) => {
      const mona = await user('mona');
      await a.app.get(TotpService).enrol(mona);
      const enrolled = (await a.app.get(UsersService).findById(mona.id))!;
      const key = a.app.get(UsersService).totpSecret(enrolled)!;
      const store = a.app.get(ShortLivedStore);
      // Redis goes away between the regulation's count and the single-use check.
      const outage = t.mock.method(store, 'putIfAbsent', () =>
        Promise.reject(new Error('Connection is closed')),
      );
      for (let i = 0; i < 4; i++) {
        await assert.rejects(
          a.app.get(TotpService).verifyTotp(enrolled, totpCode(key, settings, clock.now())),
          /Connection is closed/,
        );
      }
      outage.mock.restore();
      const right = totpCode(key, settings, clock.now());
      const wrong = String((Number(right) + 500_000) % 1_000_000).padStart(6, '0');
      for (const on of [a, b]) {
        assert.equal((await on.app.get(TotpService).verifyTotp(enrolled, wrong)).ok, false);
      }
      assert.deepEqual(await b.app.get(TotpService).verifyTotp(enrolled, right), { ok: true });
    });

    test('three wrong codes ban the user name: the right code and the password are refused', async () => {
      const liam = await user('liam');
      await a.app.get(TotpService).enrol(liam);
      const enrolled = (await a.app.get(UsersService).findById(liam.id))!;
      const key = a.app.get(UsersService).totpSecret(enrolled)!;
      const right = totpCode(key, settings, clock.now());
      const wrong = String((Number(right) + 500_000) % 1_000_000).padStart(6, '0');
      for (const on of [a, b, a]) {
        assert.equal(
          (await on.app.get(TotpService).verifyTotp(enrolled, wrong, anywhere())).ok,
          false,
        );
      }
      assert.equal(
        (await b.app.get(TotpService).verifyTotp(enrolled, right, anywhere())).ok,
        false,
      );
      assert.deepEqual(await login(a, liam.username, PASSWORD), REFUSED);
      // Nothing was used up: the ban, not a replay, refused the right code.
      const store = a.app.get(ShortLivedStore);
      assert.equal(
        await store.get(`totp:used:${liam.id}:${Math.floor(clock.now() / 30_000)}`),
        null,
      );
    });
  });
});
