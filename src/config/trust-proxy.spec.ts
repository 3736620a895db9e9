import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTrustProxy } from './trust-proxy.js';

test('TRUST_PROXY: none by default; addresses, ranges and names', () => {
  assert.deepEqual(parseTrustProxy(''), { trustProxy: undefined });
  assert.deepEqual(parseTrustProxy('false'), { trustProxy: undefined });
  assert.deepEqual(parseTrustProxy(' 10.0.0.0/8, 192.168.1.7 ,fd00::/8,loopback '), {
    trustProxy: ['10.0.0.0/8', '192.168.1.7', 'fd00::/8', 'loopback'],
  });
  assert.deepEqual(parseTrustProxy('uniquelocal,linklocal'), {
    trustProxy: ['uniquelocal', 'linklocal'],
  });
});

test('TRUST_PROXY: trusting everyone and malformed entries are refused with a message', () => {
  for (const bad of [
    'true',
    '*',
    '0',
    '1',
    '0.0.0.0/0',
    '::/0',
    '10.0.0.0/33',
    'fd00::/129',
    '10.0.0.0/8/1',
    '10.0.0.256',
    'proxy.internal',
    '10.0.0.1,,10.0.0.2',
    '10.0.0.0/-1',
  ]) {
    const parsed = parseTrustProxy(bad);
    assert.ok('problem' in parsed, bad);
    assert.match(parsed.problem, /^TRUST_PROXY/, bad);
  }
});
