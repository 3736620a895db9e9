import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../config/app-config.js';
import { parseBuckets } from './buckets.js';

test('rate-limit buckets: requests/period, comma-separated; 0 or empty is no limit', () => {
  assert.deepEqual(parseBuckets('600/1m'), [{ requests: 600, periodMs: 60_000 }]);
  assert.deepEqual(parseBuckets(' 10/10s , 1000/1h '), [
    { requests: 10, periodMs: 10_000 },
    { requests: 1000, periodMs: 3_600_000 },
  ]);
  assert.deepEqual(parseBuckets('0'), []);
  assert.deepEqual(parseBuckets(''), []);
});

test('rate-limit buckets: malformed ones are refused', () => {
  for (const bad of [
    '600',
    '/1m',
    '600/',
    '600/1ms',
    '0/1m',
    '600/1m,',
    'x/1m',
    '600 per 1m',
    '-1/1m',
  ]) {
    assert.equal(parseBuckets(bad), undefined, bad);
  }
});

test('RATE_LIMITS_*: a bad value stops start-up with a message naming it', () => {
  assert.throws(
    () => loadConfig({ RATE_LIMITS_TOKEN_CLIENT: '600 a minute' }),
    /RATE_LIMITS_TOKEN_CLIENT/,
  );
  assert.throws(
    () => loadConfig({ RATE_LIMITS_PAR_ADDRESS: '5/500ms' }),
    /RATE_LIMITS_PAR_ADDRESS/,
  );
  const config = loadConfig({ RATE_LIMITS_REVOCATION_ADDRESS: '0' });
  assert.deepEqual(config.rateLimits.revocation.address, []);
  assert.deepEqual(config.rateLimits.token.client, [{ requests: 6000, periodMs: 60_000 }]);
});
