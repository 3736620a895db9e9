import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Conflict,
  InsufficientScope,
  InvalidRequest,
  InvalidToken,
  MethodNotAllowed,
  TooManyRequests,
} from './oauth-error.js';

test('InvalidRequest is a 400 unless HTTP names the refusal more precisely', () => {
  assert.equal(new InvalidRequest('bad').status, 400);
  const tooLarge = new InvalidRequest('Request body is too large', 413);
  assert.deepEqual([tooLarge.error, tooLarge.status], ['invalid_request', 413]);
});

test('MethodNotAllowed and Conflict are invalid_request with their HTTP status', () => {
  const method = new MethodNotAllowed('Use POST', 'POST');
  assert.deepEqual(
    [method.error, method.status, method.headers],
    ['invalid_request', 405, { allow: 'POST' }],
  );
  assert.ok(method instanceof InvalidRequest);
  const conflict = new Conflict('managed by configuration');
  assert.deepEqual([conflict.error, conflict.status], ['invalid_request', 409]);
});

test('TooManyRequests is a 429 with Retry-After in seconds, invalid_request unless told', () => {
  const limited = new TooManyRequests('slow down', 60);
  assert.deepEqual(
    [limited.error, limited.status, limited.headers],
    ['invalid_request', 429, { 'retry-after': '60' }],
  );
  assert.deepEqual(limited.toJSON(), { error: 'invalid_request', error_description: 'slow down' });
  assert.equal(new TooManyRequests('slow down', 1, 'invalid_client').error, 'invalid_client');
});

test('withChallenge sets WWW-Authenticate from the scheme and params', () => {
  assert.deepEqual(new InvalidToken('none').withChallenge('Bearer').headers, {
    'www-authenticate': 'Bearer',
  });
  const scope = new InsufficientScope('lacks admin').withChallenge('Bearer', {
    error: 'insufficient_scope',
    scope: 'admin',
  });
  assert.deepEqual(
    [scope.status, scope.headers],
    [403, { 'www-authenticate': 'Bearer error="insufficient_scope", scope="admin"' }],
  );
});
