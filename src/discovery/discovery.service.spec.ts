import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeMetadata } from './discovery.service.js';

test('issuer comes first and lists are united without duplicates', () => {
  const merged = mergeMetadata('https://id.example.org', [
    { jwks_uri: 'https://id.example.org/jwks', scopes_supported: ['openid'] },
    { scopes_supported: ['openid', 'profile'] },
  ]);
  assert.deepEqual(Object.keys(merged)[0], 'issuer');
  assert.deepEqual(merged.scopes_supported, ['openid', 'profile']);
});

test('a scalar contributed twice with different values is refused', () => {
  assert.throws(
    () => mergeMetadata('https://x', [{ jwks_uri: 'a' }, { jwks_uri: 'b' }]),
    /jwks_uri is contributed twice/,
  );
});
