import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resourceIndicators } from './resource-indicators.js';
import { spacedList } from './scopes.js';

test('resource indicators: absolute URIs without a fragment, distinct, in order', () => {
  assert.deepEqual(resourceIndicators(undefined), []);
  assert.deepEqual(resourceIndicators(''), []);
  assert.deepEqual(resourceIndicators('https://api.example'), ['https://api.example']);
  assert.deepEqual(
    resourceIndicators(['https://b.example', 'urn:example:a', 'https://b.example']),
    ['https://b.example', 'urn:example:a'],
  );
});

test('anything else is invalid_target, never a throw of another kind', () => {
  const bad: unknown[] = [
    'api.example',
    '/relative',
    'https://api.example/#part',
    ['https://ok.example', 'not a uri'],
    [7],
    [{}],
    Array.from({ length: 21 }, (_, i) => `https://r${i}.example`),
  ];
  for (const value of bad) {
    assert.throws(() => resourceIndicators(value), { error: 'invalid_target' }, String(value));
  }
});

test('a spaced list: distinct values in order, extra spaces ignored', () => {
  assert.deepEqual(spacedList(undefined), []);
  assert.deepEqual(spacedList(''), []);
  assert.deepEqual(spacedList('  openid  email openid profile '), ['openid', 'email', 'profile']);
});
