import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenHash } from './id-tokens.js';

test('at_hash follows Core §3.1.3.6: the left half of the hash, base64url', () => {
  // The example of OpenID Connect Core, Appendix A.3 (RS256 over this access token).
  assert.equal(
    tokenHash('jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y', 'RS256'),
    '77QmUPtjPfzWtF2AnpK9RQ',
  );
  assert.equal(tokenHash('x', 'ES256').length, 22, '128 bits');
  assert.equal(tokenHash('x', 'EdDSA').length, 43, '256 bits: SHA-512 for Ed25519');
});
