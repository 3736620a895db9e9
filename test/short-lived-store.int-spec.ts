import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { MemoryStore } from '../src/cache/memory.store.js';
import { RedisStore } from '../src/cache/redis.store.js';
import type { ShortLivedStore } from '../src/cache/short-lived-store.js';
import { sleep, TEST_REDIS_URL } from './support/provider.js';

/** One contract, run against both implementations. */
function contract(name: string, make: () => Promise<ShortLivedStore>) {
  describe(`ShortLivedStore contract: ${name}`, { timeout: 30_000 }, () => {
    let store: ShortLivedStore;
    const key = (k: string) => `${k}:${randomBytes(4).toString('hex')}`;
    after(() => store?.close());

    test('put and get, until the TTL runs out', async () => {
      store = await make();
      const k = key('put');
      await store.put(k, 'v1', 300);
      assert.equal(await store.get(k), 'v1');
      await store.put(k, 'v2', 300);
      assert.equal(await store.get(k), 'v2', 'put overwrites');
      await sleep(400);
      assert.equal(await store.get(k), null);
      assert.equal(await store.get(key('missing')), null);
    });

    test('take returns the value once, even to concurrent takers', async () => {
      const k = key('take');
      await store.put(k, 'code', 5_000);
      const results = await Promise.all(Array.from({ length: 20 }, () => store.take(k)));
      assert.equal(results.filter((r) => r === 'code').length, 1);
      assert.equal(results.filter((r) => r === null).length, 19);
      assert.equal(await store.get(k), null);
    });

    test('putIfAbsent stores once; again after expiry', async () => {
      const k = key('jti');
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.putIfAbsent(k, String(i), 300)),
      );
      assert.equal(results.filter(Boolean).length, 1);
      await sleep(400);
      assert.equal(await store.putIfAbsent(k, 'again', 300), true);
    });

    test('increment counts within a window that starts at the first increment', async () => {
      const k = key('count');
      const counts = await Promise.all(Array.from({ length: 5 }, () => store.increment(k, 400)));
      assert.deepEqual([...counts].sort(), [1, 2, 3, 4, 5]);
      await sleep(200);
      assert.equal(await store.increment(k, 400), 6, 'later increments do not extend the window');
      await sleep(300);
      assert.equal(await store.increment(k, 400), 1, 'a new window');
    });

    test('decrement undoes increments, keeps the window, never goes below zero', async () => {
      const k = key('reserved');
      await Promise.all(Array.from({ length: 4 }, () => store.increment(k, 400)));
      const counts = await Promise.all(Array.from({ length: 3 }, () => store.decrement(k)));
      assert.deepEqual([...counts].sort(), [1, 2, 3]);
      assert.equal(await store.get(k), '1');
      assert.equal(await store.decrement(k), 0);
      assert.equal(await store.get(k), null, 'gone at zero');
      assert.equal(await store.decrement(k), 0, 'not below zero');
      assert.equal(await store.decrement(key('absent')), 0);
      assert.equal(await store.get(k), null);
      assert.equal(await store.increment(k, 400), 1, 'counting starts again from zero');
      await store.increment(k, 400);
      await sleep(200);
      assert.equal(await store.decrement(k), 1);
      await sleep(300);
      assert.equal(await store.get(k), null, 'the window of the first increment still ends it');
    });

    test('a set: members added, its life only extended, taken once by concurrent takers', async () => {
      const k = key('set');
      await store.addToSet(k, 'a', 300);
      await store.addToSet(k, 'b', 100); // does not shorten the set's life
      await store.addToSet(k, 'a', 300);
      await sleep(150);
      const taken = await Promise.all(Array.from({ length: 5 }, () => store.takeSet(k)));
      const nonEmpty = taken.filter((m) => m.length > 0);
      assert.equal(nonEmpty.length, 1, 'one taker gets the members');
      assert.deepEqual([...nonEmpty[0]].sort(), ['a', 'b']);
      assert.deepEqual(await store.takeSet(k), [], 'gone once taken');
      const later = key('set');
      await store.addToSet(later, 'x', 200);
      await sleep(300);
      assert.deepEqual(await store.takeSet(later), [], 'gone once expired');
    });

    test('delete', async () => {
      const k = key('del');
      await store.put(k, 'x', 5_000);
      await store.delete(k);
      assert.equal(await store.get(k), null);
    });

    test('publish reaches every subscriber, including another connection; unsubscribe stops it', async () => {
      const other = name === 'memory' ? store : await make();
      try {
        const channel = key('chan');
        const seen: string[] = [];
        const stop = await other.subscribe(channel, (m) => seen.push(`other:${m}`));
        const stopMine = await store.subscribe(channel, (m) => seen.push(`mine:${m}`));
        await store.publish(channel, 'hello');
        for (let i = 0; i < 50 && seen.length < 2; i++) await sleep(20);
        assert.deepEqual(seen.sort(), ['mine:hello', 'other:hello']);
        await stop();
        await stopMine();
        await store.publish(channel, 'again');
        await sleep(200);
        assert.equal(seen.length, 2);
      } finally {
        if (other !== store) await other.close();
      }
    });

    test('ping answers while connected', async () => {
      await store.ping();
    });
  });
}

contract('memory', () => Promise.resolve(new MemoryStore()));
// One prefix for the run, so two connections share channels as two instances would.
const prefix = `contract-${randomBytes(4).toString('hex')}:`;
contract('redis', async () => {
  const store = new RedisStore(TEST_REDIS_URL, prefix);
  await store.connect();
  return store;
});
