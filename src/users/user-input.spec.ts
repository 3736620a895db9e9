import 'reflect-metadata';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OAuthError } from '../common/errors/oauth-error.js';
import {
  NewUserInput,
  PasswordInput,
  toRecord,
  UserUpdateInput,
  validateUserInput,
} from './user-input.js';

const problem = (cls: new () => object, input: unknown): string | undefined => {
  try {
    validateUserInput(cls, input);
    return undefined;
  } catch (e) {
    return (e as OAuthError).description;
  }
};

test('null is taken as absent: never stored as a claim', () => {
  const record = toRecord(
    validateUserInput(NewUserInput, {
      username: 'alice',
      name: 'Alice',
      email: null,
      groups: null,
      address: { locality: 'Paris', country: null },
    }),
  );
  assert.deepEqual(record.claims, { name: 'Alice', address: { locality: 'Paris' } });
  assert.equal(record.groups, undefined);
});

test('username and password go to the record, not the claims; unknown members are dropped', () => {
  const record = toRecord(
    validateUserInput(NewUserInput, { username: 'bob', password: 'a'.repeat(8), id: 'x', sub: 1 }),
  );
  assert.deepEqual(record.claims, {});
});

test('one password policy for creation and reset: 8 to 1024 characters', () => {
  assert.match(problem(NewUserInput, { username: 'a', password: 'short' }) ?? '', /password/);
  assert.match(problem(PasswordInput, { password: 'short' }) ?? '', /password must be longer/);
  assert.match(problem(PasswordInput, { password: 'x'.repeat(1025) }) ?? '', /password/);
  assert.match(problem(PasswordInput, { password: 12345678 }) ?? '', /password must be a string/);
  assert.equal(problem(PasswordInput, { password: 'eight ch' }), undefined);
  assert.equal(problem(PasswordInput, {}), undefined, 'none: one is generated');
});

test('an update may leave the username out, but not give a bad one', () => {
  assert.equal(problem(UserUpdateInput, { name: 'x' }), undefined);
  assert.match(problem(UserUpdateInput, { username: 'has space' }) ?? '', /username must be/);
  assert.match(problem(UserUpdateInput, { username: 7 }) ?? '', /username must be/);
});
