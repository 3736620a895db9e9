import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DataSource } from 'typeorm';
import type { Clock } from '../src/common/clock.js';
import { loadConfig } from '../src/config/app-config.js';
import { SessionCookieSigner } from '../src/sessions/session-cookie.js';
import { LogoutEvents } from '../src/sessions/logout-events.js';
import { SessionsService } from '../src/sessions/sessions.service.js';
import { authenticationContext } from '../src/users/authentication-context.js';
import { UsersService } from '../src/users/users.service.js';
import {
  createStorage,
  freePort,
  startProvider,
  TEST_SECRET,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

const MIN = 60_000;

/** A clock the test moves by hand. */
class ManualClock implements Clock {
  constructor(public time = Date.now()) {}
  now(): number {
    return this.time;
  }
  advance(ms: number): void {
    this.time += ms;
  }
}

/** Two instances on one Postgres and one Redis, with Authelia's default session timeouts. */
describe('login sessions across two instances', { timeout: 60_000 }, () => {
  let storage: Storage;
  let a: RunningProvider;
  let b: RunningProvider;
  let userId: string;
  const password = authenticationContext(['password']);

  before(async () => {
    storage = await createStorage('services');
    const portA = await freePort();
    const env = { ...storage.env, ISSUER: `http://127.0.0.1:${portA}` };
    [a, b] = await Promise.all([
      startProvider({ ...env, PORT: String(portA) }),
      startProvider(env),
    ]);
    const user = await a.app.get(UsersService).create({
      username: `sessions-${Date.now()}`,
      password: 'correct horse battery staple',
      claims: {},
      origin: 'admin',
    });
    userId = user.id;
  });
  after(async () => {
    await Promise.allSettled([a?.close(), b?.close()]);
    await storage?.dispose();
  });

  const newSession = (on: RunningProvider = a, extra: { rememberMe?: boolean } = {}) =>
    on.app.get(SessionsService).create({ userId, authTime: new Date(), ...password, ...extra });

  /** A SessionsService on A's database whose clock the test moves. */
  const withClock = (clock: Clock, env: Record<string, string> = {}) =>
    new SessionsService(
      a.app.get(DataSource),
      loadConfig({ KEYS_ENCRYPTION_SECRET: TEST_SECRET, ISSUER: a.config.issuer, ...env }),
      a.app.get(LogoutEvents),
      clock,
    );

  test('a session created on A resolves on B, from the cookie value or the Cookie header', async () => {
    const { session, cookieValue } = await newSession(a);
    assert.equal(session.userId, userId);
    assert.deepEqual(session.amr, ['pwd']);
    assert.equal(session.acr, 'one_factor');
    assert.deepEqual(session.clients, []);
    assert.equal(session.rememberMe, false);
    assert.equal(session.expiresAt.getTime() - session.createdAt.getTime(), 60 * MIN);

    const onB = await b.app.get(SessionsService).resolve(cookieValue);
    assert.equal(onB?.id, session.id);
    assert.equal(onB?.userId, userId);
    assert.deepEqual(onB?.amr, ['pwd']);
    const fromHeader = await b.app
      .get(SessionsService)
      .resolveFromHeader(`theme=dark; op_session=forged.value; op_session=${cookieValue}`);
    assert.equal(fromHeader?.id, session.id);

    // The database holds the digest, never the cookie's id.
    const [row] = await a.app
      .get(DataSource)
      .query<{ id: string }[]>(`SELECT id FROM sessions WHERE id = $1`, [session.id]);
    assert.equal(row.id, session.id);
    assert.ok(!cookieValue.includes(session.id));

    const setCookie = a.app.get(SessionsService).setCookie(cookieValue, session);
    assert.match(
      setCookie,
      new RegExp(
        `^op_session=${cookieValue}; Max-Age=(3600|3599); Path=/; HttpOnly; SameSite=Lax$`,
      ),
    );
  });

  test('a tampered, foreign or malformed cookie resolves to nothing', async () => {
    const { cookieValue } = await newSession();
    const [id, tag] = cookieValue.split('.');
    const sessions = b.app.get(SessionsService);
    const foreign = new SessionCookieSigner(TEST_SECRET + '-another-deployment').issue();
    const unknown = new SessionCookieSigner(TEST_SECRET).issue(); // ours, but never stored
    // Two characters changed (to AA, or to BA where they were AA: one in a thousand are).
    const tamper = (part: string) => part.slice(0, -2) + (part.endsWith('AA') ? 'BA' : 'AA');
    const values: unknown[] = [
      `${tamper(id)}.${tag}`,
      `${id}.${tamper(tag)}`,
      foreign.cookieValue,
      unknown.cookieValue,
      '',
      'x'.repeat(100_000),
      `${cookieValue}; Path=/`,
      undefined,
      null,
      7,
      { id },
      [cookieValue],
    ];
    for (const value of values) assert.equal(await sessions.resolve(value), undefined);
    for (const header of [undefined, '', 'op_session=', 'op_session', ['x=1'], 42])
      assert.equal(await sessions.resolveFromHeader(header), undefined);
    assert.equal(await sessions.resolve(cookieValue).then((s) => s?.userId), userId);
  });

  test('idle after SESSION_INACTIVITY without use; use slides it, writing at most once a minute', async () => {
    const clock = new ManualClock();
    const sessions = withClock(clock);
    const { session, cookieValue } = await sessions.create({
      userId,
      authTime: new Date(clock.now()),
      ...password,
    });
    clock.advance(30_000);
    // Seen 30 s after the last write: not written back.
    assert.equal(
      (await sessions.resolve(cookieValue))?.lastSeenAt.getTime(),
      session.lastSeenAt.getTime(),
    );
    clock.advance(3.5 * MIN); // 4 min: written back
    const written = clock.now();
    assert.equal((await sessions.resolve(cookieValue))?.lastSeenAt.getTime(), written);
    clock.advance(50_000); // a use under a minute later is not written back...
    assert.equal((await sessions.resolve(cookieValue))?.lastSeenAt.getTime(), written);
    clock.advance(4 * MIN + 9_999);
    assert.ok(await sessions.resolve(cookieValue)); // (this one is)
    clock.advance(5 * MIN - 1);
    assert.ok(await sessions.resolve(cookieValue));
    clock.advance(5 * MIN); // five minutes without use
    assert.equal(await sessions.resolve(cookieValue), undefined);
    // Deleted on the way: an instance with the real clock does not find it either.
    assert.equal(await b.app.get(SessionsService).resolve(cookieValue), undefined);
  });

  test('a session ends at its absolute expiry even when in use; "remember me" has no idle timeout', async () => {
    const clock = new ManualClock();
    const sessions = withClock(clock);
    const { cookieValue } = await sessions.create({ userId, authTime: new Date(), ...password });
    for (let minutes = 4; minutes <= 56; minutes += 4) {
      clock.advance(4 * MIN);
      assert.ok(await sessions.resolve(cookieValue), `in use at ${minutes} min`);
    }
    clock.advance(4 * MIN); // 60 min after the login, used 4 min ago
    assert.equal(await sessions.resolve(cookieValue), undefined);

    const remembered = await sessions.create({
      userId,
      authTime: new Date(clock.now()),
      ...password,
      rememberMe: true,
    });
    assert.equal(remembered.session.rememberMe, true);
    assert.equal(
      remembered.session.expiresAt.getTime() - remembered.session.createdAt.getTime(),
      30 * 24 * 60 * MIN,
    );
    clock.advance(24 * 60 * MIN); // a day without use
    assert.ok(await sessions.resolve(remembered.cookieValue));
    clock.advance(30 * 24 * 60 * MIN);
    assert.equal(await sessions.resolve(remembered.cookieValue), undefined);

    // With SESSION_REMEMBER_ME=0 the choice is ignored: the ordinary lifetime and idle timeout.
    const off = withClock(clock, { SESSION_REMEMBER_ME: '0' });
    const plain = await off.create({ userId, authTime: new Date(), ...password, rememberMe: true });
    assert.equal(plain.session.rememberMe, false);
    assert.equal(plain.session.expiresAt.getTime() - plain.session.createdAt.getTime(), 60 * MIN);
  });

  test('clients are recorded once each, also when added concurrently from both instances', async () => {
    const { session, cookieValue } = await newSession();
    const adds = Array.from({ length: 20 }, (_, i) =>
      (i % 2 ? a : b).app.get(SessionsService).addClient(session.id, `client-${i % 3}`),
    );
    assert.deepEqual(await Promise.all(adds), Array<boolean>(20).fill(true));
    const resolved = await a.app.get(SessionsService).resolve(cookieValue);
    assert.deepEqual([...(resolved?.clients ?? [])].sort(), ['client-0', 'client-1', 'client-2']);
    const sessions = a.app.get(SessionsService);
    assert.equal(await sessions.addClient('A'.repeat(43), 'client-0'), false);
    assert.equal(await sessions.addClient(session.id, ''), false);
    assert.equal(await sessions.addClient(session.id, 'x'.repeat(201)), false);
    assert.equal(await sessions.addClient(cookieValue, 'client-0'), false);
    assert.equal(await sessions.addClient(undefined as unknown as string, 'c'), false);
  });

  test('reauthenticate: new auth_time, amr, acr, expiry and cookie; same id; only for its own user', async () => {
    const clock = new ManualClock();
    const sessions = withClock(clock);
    const { session, cookieValue } = await sessions.create({
      userId,
      authTime: new Date(clock.now()),
      ...password,
    });
    clock.advance(50 * MIN);
    const authTime = new Date(clock.now());
    const reauthenticated = await sessions.reauthenticate(session, {
      authTime,
      ...authenticationContext(['password', 'totp']),
    });
    const renewed = reauthenticated?.session;
    assert.equal(renewed?.id, session.id, 'the sid stays');
    // A new cookie: the one held before opens nothing (session fixation).
    assert.notEqual(reauthenticated?.cookieValue, cookieValue);
    assert.equal(await sessions.resolve(cookieValue), undefined);
    assert.equal((await sessions.resolve(reauthenticated!.cookieValue))?.id, session.id);
    assert.equal(renewed?.authTime.getTime(), authTime.getTime());
    assert.deepEqual(renewed?.amr, ['pwd', 'otp', 'mfa']);
    assert.equal(renewed?.acr, 'two_factor');
    assert.equal(renewed?.expiresAt.getTime(), clock.now() + 60 * MIN);
    for (let minutes = 54; minutes <= 62; minutes += 4) {
      clock.advance(4 * MIN);
      assert.ok(await sessions.resolve(reauthenticated!.cookieValue), `in use at ${minutes} min`);
    }
    assert.equal(
      await sessions.reauthenticate(
        { ...session, userId: '00000000-0000-4000-8000-000000000000' },
        {
          authTime,
          ...password,
        },
      ),
      undefined,
    );
  });

  test('end, endAllForUser and listForUser; deleting the user ends the sessions', async () => {
    const sessions = a.app.get(SessionsService);
    const user = await a.app.get(UsersService).create({
      username: `ending-${Date.now()}`,
      claims: {},
      origin: 'admin',
    });
    const make = () => sessions.create({ userId: user.id, authTime: new Date(), ...password });
    const [one, two, three] = [await make(), await make(), await make()];
    await sessions.addClient(one.session.id, 'rp-1');
    assert.deepEqual(
      (await b.app.get(SessionsService).listForUser(user.id)).map((s) => s.id).sort(),
      [one, two, three].map((s) => s.session.id).sort(),
    );
    const ended = await b.app.get(SessionsService).end(one.session.id);
    assert.deepEqual(ended?.clients, ['rp-1']);
    assert.equal(await sessions.resolve(one.cookieValue), undefined);
    assert.equal(await sessions.end(one.session.id), undefined);
    assert.equal(await sessions.end('not a session id'), undefined);

    const all = await sessions.endAllForUser(user.id);
    assert.deepEqual(all.map((s) => s.id).sort(), [two, three].map((s) => s.session.id).sort());
    assert.deepEqual(await sessions.listForUser(user.id), []);
    assert.deepEqual(await sessions.endAllForUser('nobody'), []);
    assert.deepEqual(await sessions.listForUser('nobody'), []);

    const four = await make();
    await a.app.get(UsersService).delete(user.id);
    assert.equal(await b.app.get(SessionsService).resolve(four.cookieValue), undefined);
  });

  test('the clean-up deletes expired and idle sessions only, and may run on both instances at once', async () => {
    const clock = new ManualClock();
    const sessions = withClock(clock);
    const idle = await sessions.create({ userId, authTime: new Date(), ...password });
    const remembered = await sessions.create({
      userId,
      authTime: new Date(),
      ...password,
      rememberMe: true,
    });
    // Remembered for two hours, three hours ago: past its absolute expiry (it cannot idle).
    const past = await withClock(new ManualClock(clock.now() - 180 * MIN), {
      SESSION_REMEMBER_ME: '2h',
    }).create({ userId, authTime: new Date(), ...password, rememberMe: true });
    clock.advance(6 * MIN);
    const fresh = await sessions.create({ userId, authTime: new Date(), ...password });
    // Six minutes on: `idle` is idle; `remembered` (no idle timeout) and `fresh` are live.
    const [x, y] = await Promise.all([sessions.deleteExpired(), withClock(clock).deleteExpired()]);
    assert.ok(x + y >= 2);
    const left = await a.app.get(DataSource).query<{ id: string }[]>(`SELECT id FROM sessions`);
    const ids = left.map((r) => r.id);
    assert.ok(!ids.includes(idle.session.id));
    assert.ok(!ids.includes(past.session.id));
    assert.ok(ids.includes(remembered.session.id));
    assert.ok(ids.includes(fresh.session.id));
    assert.ok(await sessions.resolve(fresh.cookieValue));
  });
});
