import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  PUSHED_REQUEST_URI_PREFIX,
  PushedRequests,
} from '../../src/authorization/pushed-requests.js';
import { MovableClock } from '../support/clock.js';
import { TEST_REDIS_URL } from '../support/provider.js';
import { startServices, type RunningServices } from '../support/services.js';

/**
 * PushedRequests on two "instances" sharing one real Redis, with a clock the test moves: a
 * request_uri is good once, on any instance, for its client, until its lifespan ends.
 */
describe('pushed authorization requests across two instances on Redis', { timeout: 30_000 }, () => {
  const clock = new MovableClock();
  let a: RunningServices;
  let b: RunningServices;
  const env = {
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: `svc${randomBytes(4).toString('hex')}:`,
    PUSHED_AUTHORIZATIONS_CONTEXT_LIFESPAN: '90s',
  };
  const params = { response_type: 'code', client_id: 'web', scope: 'openid' };
  before(async () => {
    [a, b] = await Promise.all(
      [0, 1].map(() => startServices(env, { providers: [PushedRequests] }, { clock })),
    );
  });
  after(() => Promise.allSettled([a?.close(), b?.close()]));

  const on = (instance: RunningServices) => instance.app.get(PushedRequests);

  test('pushed on one instance, taken once on the other', async () => {
    assert.equal(on(a).lifespanSeconds, 90);
    const uri = await on(a).push('web', { params, signed: true });
    assert.ok(uri.startsWith(PUSHED_REQUEST_URI_PREFIX));
    assert.deepEqual(await on(b).take(uri, 'web'), { params, signed: true });
    assert.equal(await on(a).take(uri, 'web'), undefined, 'a second use');
    assert.equal(await on(b).take(uri, 'web'), undefined, 'a third use');
  });

  test('taken at once on both instances: exactly one gets it', async () => {
    for (let i = 0; i < 5; i++) {
      const uri = await on(a).push('web', { params, signed: false });
      const taken = await Promise.all([on(a).take(uri, 'web'), on(b).take(uri, 'web')]);
      assert.equal(taken.filter((t) => t !== undefined).length, 1);
    }
  });

  test('another client gets nothing, and spends it', async () => {
    const uri = await on(a).push('web', { params, signed: false });
    assert.equal(await on(b).take(uri, 'someone-else'), undefined);
    assert.equal(await on(a).take(uri, 'web'), undefined);
  });

  test('expired by the clock, though the store would still hold it', async () => {
    const uri = await on(a).push('web', { params, signed: false });
    clock.advance(90_000);
    assert.equal(await on(b).take(uri, 'web'), undefined);
  });

  test('what is not one of its request URIs is nothing, without a lookup that could match', async () => {
    for (const uri of [
      'urn:ietf:params:oauth:request_uri:short',
      `${PUSHED_REQUEST_URI_PREFIX}${'A'.repeat(43)}`,
      `https://rp.example.com/${'A'.repeat(43)}`,
      '',
    ])
      assert.equal(await on(a).take(uri, 'web'), undefined, uri);
  });
});
