import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authenticationContext } from './authentication-context.js';

test('amr after RFC 8176 and the acr level for each combination of factors', () => {
  assert.deepEqual(authenticationContext(['password']), { amr: ['pwd'], acr: 'one_factor' });
  assert.deepEqual(authenticationContext(['password', 'totp']), {
    amr: ['pwd', 'otp', 'mfa'],
    acr: 'two_factor',
  });
  assert.deepEqual(authenticationContext(['totp', 'password', 'totp']), {
    amr: ['pwd', 'otp', 'mfa'],
    acr: 'two_factor',
  });
  // The same factor twice is not two factors.
  assert.deepEqual(authenticationContext(['password', 'password']), {
    amr: ['pwd'],
    acr: 'one_factor',
  });
});
