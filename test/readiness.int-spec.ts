import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createStorage,
  eventually,
  startProvider,
  type RunningProvider,
  type Storage,
} from './support/provider.js';
import { PrivateRedis } from './support/redis-server.js';

describe(
  'readiness follows Redis (a real redis-server, stopped and started again)',
  { timeout: 60_000 },
  () => {
    let storage: Storage;
    let redis: PrivateRedis;
    let provider: RunningProvider;

    before(async () => {
      storage = await createStorage('services');
      redis = await PrivateRedis.start();
      provider = await startProvider({ ...storage.env, REDIS_URL: redis.url });
    });
    after(async () => {
      await provider?.close();
      await redis?.down();
      await storage?.dispose();
    });

    const ready = async () => {
      const res = await fetch(`${provider.url}/health/ready`);
      return {
        status: res.status,
        body: (await res.json()) as { status: string; checks: Record<string, string> },
      };
    };

    test('200 while Redis is up, 503 while it is down, 200 again once it is back', async () => {
      assert.deepEqual(await ready(), {
        status: 200,
        body: { status: 'ok', checks: { database: 'up', cache: 'up' } },
      });

      await redis.down();
      const down = await eventually(
        async () => {
          const r = await ready();
          return r.status === 503 ? r : undefined;
        },
        5_000,
        'readiness to turn 503',
      );
      assert.deepEqual(down.body, {
        status: 'unavailable',
        checks: { database: 'up', cache: 'down' },
      });
      const live = await fetch(`${provider.url}/health/live`);
      assert.equal(live.status, 200, 'liveness does not depend on Redis');

      await redis.up();
      const back = await eventually(
        async () => {
          const r = await ready();
          return r.status === 200 ? r : undefined;
        },
        10_000,
        'readiness to turn 200 again',
      );
      assert.deepEqual(back.body, { status: 'ok', checks: { database: 'up', cache: 'up' } });
    });
  },
);
