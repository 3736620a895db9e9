import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { newHandle } from '../src/common/opaque-handle.js';
import { basicAuth, postForm, registerClient } from './support/clients.js';
import { MovableClock } from './support/clock.js';
import {
  createStorage,
  freePort,
  startProvider,
  type RunningProvider,
  type Storage,
} from './support/provider.js';
import { TcpProxy } from './support/tcp-proxy.js';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const CB = 'https://rp.example/cb';
const MIN = 60_000;

/**
 * Issue 15, item 7: RATE_LIMITS_* at /token, /introspect, /revoke, /par and
 * /device_authorization, per client and per client address, counted in Redis across two
 * instances: 429 with `Retry-After` past a bucket, a new window lets requests through again,
 * and requests the server failed (Postgres away on one instance) count nothing.
 */
describe('rate limits per client and per address, two instances', { timeout: 120_000 }, () => {
  let storage: Storage;
  let proxy: TcpProxy;
  let a: RunningProvider;
  let b: RunningProvider;
  const clock = new MovableClock();
  let one: { clientId: string; secret?: string };
  let two: { clientId: string; secret?: string };

  before(async () => {
    storage = await createStorage('services');
    proxy = await TcpProxy.start(storage.databaseUrl!);
    const portA = await freePort();
    const env = {
      ...storage.env,
      ISSUER: `http://127.0.0.1:${portA}`,
      TRUST_PROXY: 'loopback',
      RATE_LIMITS_TOKEN_CLIENT: '5/1m',
      RATE_LIMITS_TOKEN_ADDRESS: '8/1m',
      RATE_LIMITS_INTROSPECTION_CLIENT: '3/1m, 100/1h',
      RATE_LIMITS_REVOCATION_CLIENT: '3/1m',
      RATE_LIMITS_PAR_CLIENT: '3/1m',
      RATE_LIMITS_DEVICE_AUTHORIZATION_CLIENT: '2/1m',
    };
    // A's Postgres goes through a proxy the last test cuts.
    a = await startProvider(
      { ...env, PORT: String(portA), DATABASE_URL: proxy.urlFor(storage.databaseUrl!) },
      { clock },
    );
    b = await startProvider(env, { clock });
    const metadata = {
      redirect_uris: [CB],
      grant_types: ['authorization_code', 'client_credentials', DEVICE_GRANT],
      scope: 'openid',
    };
    [one, two] = await Promise.all([
      registerClient(a.app, metadata),
      registerClient(a.app, metadata),
    ]);
  });
  after(async () => {
    await Promise.allSettled([a?.close(), b?.close()]);
    await proxy?.close();
    await storage?.dispose();
  });

  /** The start of the next one-minute window, plus a second: the test stays inside one. */
  const nextWindow = () => clock.advance(MIN - (clock.now() % MIN) + 1_000);

  const call = (
    on: RunningProvider,
    path: string,
    who: { clientId: string; secret?: string },
    body: Record<string, string>,
    from = '10.0.0.1',
  ) =>
    postForm(`${on.url}${path}`, body, {
      authorization: basicAuth(who.clientId, who.secret!),
      'x-forwarded-for': from,
    });
  const token = (on: RunningProvider, who: typeof one, from?: string) =>
    call(on, '/token', who, { grant_type: 'client_credentials' }, from);

  function assertLimited(
    answer: Awaited<ReturnType<typeof postForm>>,
    by: 'client' | 'address',
  ): void {
    assert.equal(answer.status, 429, JSON.stringify(answer.body));
    assert.deepEqual(answer.body, {
      error: 'invalid_request',
      error_description: `Too many requests from this ${by}; try again later`,
    });
    const retryAfter = Number(answer.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
  }

  test('/token: per client and per address across both instances; a new window lets them in', async () => {
    nextWindow();
    for (let i = 0; i < 5; i++) assert.equal((await token(i % 2 ? b : a, one)).status, 200);
    assertLimited(await token(a, one), 'client');
    assertLimited(await token(b, one), 'client');
    // The address has made 7 of its 8: another client from it gets one more.
    assert.equal((await token(b, two)).status, 200);
    assertLimited(await token(a, two), 'address');
    // From another address that client is not limited.
    assert.equal((await token(a, two, '10.0.0.2')).status, 200);

    nextWindow();
    assert.equal((await token(a, one)).status, 200);
    assert.equal((await token(b, two)).status, 200);
  });

  test('/introspect, /revoke, /par and /device_authorization: limited per client', async () => {
    nextWindow();
    const cases: [string, Record<string, string>, number][] = [
      ['/introspect', { token: 'not-a-token' }, 3],
      ['/revoke', { token: 'not-a-token' }, 3],
      [
        '/par',
        {
          response_type: 'code',
          redirect_uri: CB,
          scope: 'openid',
          code_challenge: 'x'.repeat(43),
          code_challenge_method: 'S256',
        },
        3,
      ],
      ['/device_authorization', { scope: 'openid' }, 2],
    ];
    for (const [path, body, limit] of cases) {
      for (let i = 0; i < limit; i++) {
        const answer = await call(i % 2 ? b : a, path, one, body, `10.1.0.${i}`);
        assert.ok(
          answer.status < 400,
          `${path} #${i}: ${answer.status} ${JSON.stringify(answer.body)}`,
        );
      }
      assertLimited(await call(b, path, one, body, '10.1.1.1'), 'client');
      // The other client is counted on its own.
      assert.ok((await call(a, path, two, body, '10.1.1.2')).status < 400, path);
    }
  });

  test('requests the server failed (Postgres away) count nothing', async () => {
    nextWindow();
    // A refresh-token-shaped value is looked up in Postgres.
    const lookedUp = { token: newHandle() };
    proxy.cut();
    try {
      for (let i = 0; i < 5; i++) {
        const answer = await call(a, '/introspect', one, lookedUp, '10.2.0.1');
        assert.equal(answer.status, 503, JSON.stringify(answer.body));
      }
    } finally {
      proxy.restore();
    }
    for (let i = 0; i < 3; i++) {
      const answer = await call(b, '/introspect', one, lookedUp, '10.2.0.1');
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
    }
    assertLimited(await call(b, '/introspect', one, lookedUp, '10.2.0.1'), 'client');
  });
});
