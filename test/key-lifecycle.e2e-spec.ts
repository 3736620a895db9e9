import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeProtectedHeader } from 'jose';
import { KeysService } from '../src/keys/keys.service.js';
import { SigningService } from '../src/keys/signing.service.js';
import { MovableClock } from './support/clock.js';
import {
  createStorage,
  eventually,
  getJwks,
  sleep,
  startProvider,
  target,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

/**
 * The whole life of a key with periods of seconds: rotation every 4 s, a next key published
 * 2 s before it may sign, retired keys kept 4 s (the token lifetimes are 4 s), the job every second.
 */
const PERIODS = {
  SIGNING_ALGS: 'RS256,ES256',
  KEY_ROTATION_PERIOD: '4s',
  KEY_PREPUBLISH_PERIOD: '2s',
  KEY_RETENTION_PERIOD: '4s',
  ACCESS_TOKEN_LIFESPAN: '4s',
  ID_TOKEN_LIFESPAN: '4s',
  KEY_ROTATION_CRON: '* * * * * *',
};

describe(`key lifecycle on ${target}`, { timeout: 120_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;
  /** The provider's: a test moves it close to a promotion instead of sleeping. */
  const clock = new MovableClock();

  before(async () => {
    storage = await createStorage();
    provider = await startProvider({ ...storage.env, ...PERIODS }, { clock });
  });
  after(async () => {
    await provider?.close();
    await storage?.dispose();
  });

  test('next is published before it signs, then signs; the retired key verifies until retention ends, then leaves', async () => {
    const signing = provider.app.get(SigningService);
    const keys = provider.app.get(KeysService);
    assert.equal(keys.jwksMaxAge, 1, 'max-age is half the 2 s pre-publication period');

    const firstActive = signing.activeKid('RS256')!;
    const next = keys.ring.keys.find((k) => k.alg === 'RS256' && k.status === 'next')!;
    assert.ok(next, 'a next key exists');
    const jwks = await getJwks(provider.url);
    assert.ok(
      jwks.keys.some((k) => k.kid === next.kid),
      'the next key is in the JWKS',
    );
    // Sign shortly before the promotion is due (at 4 to 5 s), so the token outlives it.
    const activatedAt = keys.ring.active('RS256')!.activatedAt!.getTime();
    clock.advance(Math.max(0, activatedAt + 3_000 - clock.now()));
    assert.equal(signing.activeKid('RS256'), firstActive);
    const early = await signing.sign({ sub: 'early', exp: Math.floor(clock.now() / 1000) + 4 });
    assert.equal(decodeProtectedHeader(early).kid, firstActive, 'the next key does not sign yet');

    // The job promotes it once the active key is 4 s old.
    await eventually(
      () => Promise.resolve(signing.activeKid('RS256') === next.kid ? true : undefined),
      10_000,
      'promotion of the next key',
    );
    const promotedAt = clock.now();
    const late = await signing.sign({ sub: 'late' });
    assert.equal(
      decodeProtectedHeader(late).kid,
      next.kid,
      'new signatures carry the promoted kid',
    );

    // The old key is retired: still published, and the token it signed still verifies.
    const retired = keys.ring.published(firstActive);
    assert.equal(retired?.status, 'retired');
    assert.ok((await getJwks(provider.url)).keys.some((k) => k.kid === firstActive));
    const { payload } = await signing.verify(early);
    assert.equal(payload.sub, 'early');
    const newNext = keys.ring.keys.find((k) => k.alg === 'RS256' && k.status === 'next');
    assert.ok(newNext && newNext.kid !== next.kid, 'a fresh next key replaced the promoted one');

    // After the 4 s retention the retired key leaves the JWKS and verifies nothing more.
    await eventually(
      async () =>
        (await getJwks(provider.url)).keys.some((k) => k.kid === firstActive) ? undefined : true,
      10_000,
      'removal of the retired key',
    );
    assert.ok(clock.now() - promotedAt >= 3_500, 'the retired key stayed for its retention period');
    await assert.rejects(
      signing.verify(early, { currentDate: new Date(clock.now() - 2_000) }),
      /no applicable key|JWKSNoMatchingKey/i,
    );
  });

  test('revoking a key removes it from the JWKS at once; revoking the active key promotes next', async () => {
    const signing = provider.app.get(SigningService);
    const keys = provider.app.get(KeysService);
    await sleep(200);
    const active = signing.activeKid('ES256')!;
    const next = keys.ring.keys.find((k) => k.alg === 'ES256' && k.status === 'next')!;
    const token = await signing.sign({ sub: 'compromised' }, { alg: 'ES256' });

    await keys.revoke(active);
    const jwks = await getJwks(provider.url);
    assert.ok(!jwks.keys.some((k) => k.kid === active), 'the revoked key left the JWKS');
    await assert.rejects(signing.verify(token), /no applicable key|JWKSNoMatchingKey/i);
    assert.equal(signing.activeKid('ES256'), next.kid, 'next took over at once');
    assert.ok(
      keys.ring.keys.some((k) => k.alg === 'ES256' && k.status === 'next' && k.kid !== next.kid),
      'a new next key exists',
    );
    const listed = (await keys.list()).find((k) => k.kid === active)!;
    assert.equal(listed.status, 'revoked');
    assert.equal(listed.privateKeyEncrypted, null, 'the private key of a revoked key is erased');
  });
});

describe(`an algorithm taken out of SIGNING_ALGS on ${target}`, { timeout: 120_000 }, () => {
  test('its active key retires and its next key goes; a rotation asked for it is refused', async () => {
    const storage = await createStorage();
    try {
      let provider = await startProvider({ ...storage.env, SIGNING_ALGS: 'RS256,ES256' });
      const es256 = provider.app.get(KeysService).ring.keys.filter((k) => k.alg === 'ES256');
      const signedBefore = await provider.app
        .get(SigningService)
        .sign({ sub: 'x' }, { alg: 'ES256' });
      await provider.close();
      provider = await startProvider({ ...storage.env, SIGNING_ALGS: 'RS256' });
      try {
        const keys = provider.app.get(KeysService);
        const active = es256.find((k) => k.status === 'active')!;
        const next = es256.find((k) => k.status === 'next')!;
        assert.equal(
          keys.ring.published(active.kid)?.status,
          'retired',
          'still published until retention ends',
        );
        assert.equal(keys.ring.published(next.kid), undefined, 'the unused next key is gone');
        const { protectedHeader } = await provider.app.get(SigningService).verify(signedBefore);
        assert.equal(protectedHeader.kid, active.kid, 'what the retired key signed still verifies');
        await assert.rejects(keys.rotateNow(['ES256']), /ES256 is not in SIGNING_ALGS \(RS256\)/);
      } finally {
        await provider.close();
      }
    } finally {
      await storage.dispose();
    }
  });
});
