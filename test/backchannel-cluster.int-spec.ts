import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DataSource } from 'typeorm';
import { BackchannelLogout } from '../src/sessions/backchannel-logout.js';
import { SessionsService } from '../src/sessions/sessions.service.js';
import { registerClient } from './support/clients.js';
import { LogoutReceiver } from './support/logout-receiver.js';
import {
  createStorage,
  eventually as eventuallyAsync,
  freePort,
  sleep,
  startProvider,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

const SESSIONS = 40;

/** Two instances on one Postgres share the back-channel logout queue. */
/** `eventually` for a check that needs no await. */
function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  return eventuallyAsync(() => Promise.resolve(check()), timeoutMs, what);
}

describe('back-channel logout across two instances', { timeout: 120_000 }, () => {
  let storage: Storage;
  let a: RunningProvider;
  let b: RunningProvider;
  // Slow enough answers that both instances poll while deliveries are under way.
  const receiver = new LogoutReceiver(() => ({ delayMs: 150 }));
  const logs: string[] = [];

  before(async () => {
    storage = await createStorage('services');
    const portA = await freePort();
    const env = { ...storage.env, ISSUER: `http://127.0.0.1:${portA}` };
    a = await startProvider({ ...env, PORT: String(portA) }, { logLines: logs });
    b = await startProvider(env, { logLines: logs });
    running.add(a).add(b);
  });
  /** Instances still running: each is closed once. */
  const running = new Set<RunningProvider>();
  after(async () => {
    await Promise.allSettled([...running].map((p) => p.close()));
    await receiver.close();
    await storage?.dispose();
  });

  test('every ended session is delivered exactly once, whichever instance queued or sent it', async () => {
    const port = await receiver.listen();
    const { clientId } = await registerClient(a.app, {
      redirect_uris: ['https://rp.example/cb'],
      backchannel_logout_uri: `http://127.0.0.1:${port}/logout`,
    });
    const [user] = await a.app
      .get(DataSource)
      .query<{ id: string }[]>(
        `INSERT INTO users (username, origin) VALUES ('cluster', 'admin') RETURNING id`,
      );
    const sessions = a.app.get(SessionsService);
    const ended = [];
    for (let i = 0; i < SESSIONS; i++) {
      const { session, cookieValue } = await sessions.create({
        userId: user.id,
        authTime: new Date(),
        amr: ['pwd'],
        acr: '1',
      });
      await sessions.addClient(session.id, clientId);
      ended.push((await sessions.resolve(cookieValue))!);
      // Removed behind SessionsService's back: this test queues each ending itself, below.
      await a.app.get(DataSource).query(`DELETE FROM sessions WHERE id = $1`, [session.id]);
    }
    // Counts the deliveries each instance starts (the log sink is shared by both apps).
    const started = { a: 0, b: 0 };
    for (const [name, instance] of [
      ['a', a],
      ['b', b],
    ] as const) {
      const worker = instance.app.get<BackchannelLogout, { deliver(row: unknown): Promise<void> }>(
        BackchannelLogout,
      );
      const deliver = worker.deliver.bind(worker);
      worker.deliver = (row) => {
        started[name]++;
        return deliver(row);
      };
    }
    // Half queued on each instance, at once; both instances' workers race for every row.
    await Promise.all(
      ended.map((session, i) => (i % 2 ? a : b).app.get(BackchannelLogout).notify(session)),
    );

    await eventually(
      () => (receiver.to('/logout').length >= SESSIONS ? true : undefined),
      30_000,
      'every delivery',
    );
    await sleep(2_500); // a few more polls on both instances
    const counts = new Map<string, number>();
    for (const post of receiver.to('/logout')) {
      const [, payload] = post.token!.split('.');
      const { sid } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
        sid: string;
      };
      counts.set(sid, (counts.get(sid) ?? 0) + 1);
    }
    assert.equal(counts.size, SESSIONS);
    assert.deepEqual(
      [...counts.values()].filter((n) => n !== 1),
      [],
      'no session was delivered twice',
    );
    const [{ n }] = await a.app
      .get(DataSource)
      .query<{ n: number }[]>(`SELECT count(*)::int AS n FROM backchannel_deliveries`);
    assert.equal(n, 0);
    assert.equal(started.a + started.b, SESSIONS, 'one attempt per delivery');
    assert.ok(
      started.a > 0 && started.b > 0,
      `both instances sent some: ${JSON.stringify(started)}`,
    );
  });

  test('the queue survives a restart: a delivery queued before it is sent after it', async () => {
    const down = await freePort();
    const { clientId } = await registerClient(a.app, {
      redirect_uris: ['https://rp.example/cb'],
      backchannel_logout_uri: `http://127.0.0.1:${down}/later`,
    });
    const [user] = await a.app
      .get(DataSource)
      .query<{ id: string }[]>(
        `INSERT INTO users (username, origin) VALUES ('restart', 'admin') RETURNING id`,
      );
    const sessions = b.app.get(SessionsService);
    const { session } = await sessions.create({
      userId: user.id,
      authTime: new Date(),
      amr: ['pwd'],
      acr: '1',
    });
    await sessions.addClient(session.id, clientId);
    // Both instances stop; the receiver is down meanwhile, so the first attempt fails.
    await b.app.get(BackchannelLogout).notify((await sessions.end(session.id))!);
    await eventually(
      () =>
        logs.some((l) => l.includes(clientId) && l.includes('network error')) ? true : undefined,
      5_000,
      'the failed first attempt',
    );
    running.clear();
    await Promise.all([a.close(), b.close()]);
    const later = new LogoutReceiver();
    await later.listen(down);
    try {
      b = await startProvider({ ...storage.env, ISSUER: a.config.issuer });
      running.add(b);
      const [post] = await eventually(
        () => (later.to('/later').length > 0 ? later.to('/later') : undefined),
        30_000,
        'the delivery after the restart',
      );
      const [, payload] = post.token!.split('.');
      assert.equal(
        (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sid: string }).sid,
        session.id,
      );
    } finally {
      await later.close();
    }
  });
});
