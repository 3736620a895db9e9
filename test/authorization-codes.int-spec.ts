import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  AuthorizationCodes,
  type CodeGrant,
  type IssuedFromCode,
} from '../src/authorization/authorization-codes.js';
import { MemoryStore } from '../src/cache/memory.store.js';
import { RedisStore } from '../src/cache/redis.store.js';
import type { ShortLivedStore } from '../src/cache/short-lived-store.js';
import { MovableClock } from './support/clock.js';
import { TEST_REDIS_URL } from './support/provider.js';

const GRANT: CodeGrant = {
  clientId: 'web-app',
  redirectUri: 'https://app.example.com/cb',
  redirectUriSent: true,
  codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  codeChallengeMethod: 'S256',
  nonce: 'n-0S6_WzA2Mj',
  scope: ['openid', 'email'],
  claims: {},
  resources: [],
  userId: '6f1f7c3e-8d0a-4a4e-9b59-0c2a36c9b1a1',
  sessionId: 'session-1',
  authTime: 1_764_000_000,
  amr: ['pwd'],
  acr: 'one_factor',
};

/** Two instances: each its own connection to the store (or, in memory, the same store). */
function suite(name: string, make: () => Promise<[ShortLivedStore, ShortLivedStore]>) {
  describe(`authorization codes on ${name}`, { timeout: 30_000 }, () => {
    let stores: ShortLivedStore[] = [];
    /** Both instances' clock: a test moves it past a code's lifetime instead of sleeping. */
    const clock = new MovableClock();
    after(async () => {
      for (const s of new Set(stores)) await s.close();
    });
    const codes = async () => {
      if (stores.length === 0) stores = await make();
      return stores.map((s) => new AuthorizationCodes(s, clock));
    };

    test('a code is 256 random bits of base64url and redeems once, with what it was bound to', async () => {
      const [a] = await codes();
      const code = await a.issue(GRANT, 60_000);
      assert.match(code, /^[A-Za-z0-9_-]{43}$/);
      const first = await a.redeem(code, GRANT.clientId, () => Promise.resolve());
      assert.equal(first.outcome, 'redeemed');
      assert.deepEqual(first.outcome === 'redeemed' && first.grant, GRANT);
    });

    test('a replay, later and on the other instance, revokes what the first use issued', async () => {
      const [a, b] = await codes();
      const code = await a.issue(GRANT, 60_000);
      const first = await a.redeem(code, GRANT.clientId, () =>
        assert.fail('nothing to revoke yet'),
      );
      assert.equal(first.outcome, 'redeemed');
      const issued: IssuedFromCode = { accessTokenJti: 'jti-1', accessTokenExp: 2_000_000_000 };
      if (first.outcome === 'redeemed') await first.finish(issued);
      const revoked: IssuedFromCode[] = [];
      const again = await b.redeem(code, GRANT.clientId, (i) => {
        revoked.push(i);
        return Promise.resolve();
      });
      assert.equal(again.outcome, 'replayed');
      assert.deepEqual(revoked, [issued]);
    });

    test('fifty concurrent redemptions over two instances: one wins, and its tokens are revoked', async () => {
      const [a, b] = await codes();
      const code = await a.issue(GRANT, 60_000);
      const revoked: IssuedFromCode[] = [];
      const revoke = (i: IssuedFromCode) => {
        revoked.push(i);
        return Promise.resolve();
      };
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).redeem(code, GRANT.clientId, revoke)),
      );
      const winners = results.filter((r) => r.outcome === 'redeemed');
      assert.equal(winners.length, 1);
      assert.equal(results.filter((r) => r.outcome === 'replayed').length, 49);
      const issued = { accessTokenJti: 'jti-race', accessTokenExp: 2_000_000_000 };
      const winner = winners[0];
      if (winner.outcome === 'redeemed') await winner.finish(issued);
      assert.ok(revoked.length >= 1, 'the replays took the winner’s token back');
      assert.ok(revoked.every((r) => r.accessTokenJti === 'jti-race'));
    });

    test('another client can neither spend a code nor, after its use, revoke what it issued', async () => {
      const [a, b] = await codes();
      const code = await a.issue(GRANT, 60_000);
      const stranger = () => b.redeem(code, 'another-client', () => assert.fail('not revoked'));
      assert.equal((await stranger()).outcome, 'wrong-client');
      const first = await a.redeem(code, GRANT.clientId, () => assert.fail('nothing to revoke'));
      assert.equal(first.outcome, 'redeemed', 'the code still works for its own client');
      if (first.outcome === 'redeemed') {
        await first.finish({ accessTokenJti: 'jti-kept', accessTokenExp: 1_764_000_300 });
      }
      assert.equal((await stranger()).outcome, 'wrong-client', 'a stranger replays nothing');
    });

    test('an expired, unknown or malformed code is unknown and leaves nothing behind', async () => {
      const [a] = await codes();
      // Expired by the clock while the store still holds it: its TTL (real time) only cleans up.
      const code = await a.issue(GRANT, 60_000);
      clock.advance(60_001);
      assert.equal((await a.redeem(code, GRANT.clientId, () => assert.fail())).outcome, 'unknown');
      const guess = randomBytes(32).toString('base64url');
      assert.equal((await a.redeem(guess, GRANT.clientId, () => assert.fail())).outcome, 'unknown');
      for (const bad of ['', 'a b', 'x'.repeat(5000), `${code}=`, '../../etc']) {
        assert.equal((await a.redeem(bad, GRANT.clientId, () => assert.fail())).outcome, 'unknown');
      }
    });
  });
}

suite('Redis', async () => {
  const prefix = `codes${randomBytes(4).toString('hex')}:`;
  const a = new RedisStore(TEST_REDIS_URL, prefix);
  const b = new RedisStore(TEST_REDIS_URL, prefix);
  await a.connect();
  await b.connect();
  return [a, b];
});

suite('the embedded memory store', () => {
  const store = new MemoryStore();
  return Promise.resolve([store, store]);
});
