import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Logger } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { toOAuthError } from './to-oauth-error.js';

function capture() {
  const logged: unknown[] = [];
  return { logged, logger: { error: (e: unknown) => logged.push(e) } as unknown as Logger };
}

test('a failed query is a 500 whose log keeps the SQL and SQLSTATE, never the parameters', () => {
  const { logged, logger } = capture();
  const failure = new QueryFailedError(
    'INSERT INTO users (username, password_digest) VALUES ($1, $2)',
    ['bob', '$argon2id$v=19$secret-digest'],
    Object.assign(new Error('deadlock detected'), { code: '40P01' }),
  );
  const answer = toOAuthError(failure, logger);
  assert.equal(answer.status, 500);
  assert.equal(answer.error, 'server_error');
  assert.equal(logged.length, 1);
  const entry = logged[0] as Error & Record<string, unknown>;
  assert.equal(entry.message, 'deadlock detected');
  assert.equal(entry.code, '40P01');
  assert.match(String(entry.query), /INSERT INTO users/);
  assert.equal('parameters' in entry, false);
  assert.equal('driverError' in entry, false);
  assert.doesNotMatch(JSON.stringify({ ...entry }), /argon2/);
});

test('text Postgres cannot store (a NUL byte) is the request’s fault: 400, nothing logged', () => {
  const { logged, logger } = capture();
  for (const code of ['22021', '22P05']) {
    const failure = new QueryFailedError(
      'SELECT 1',
      ['a\u0000b'],
      Object.assign(new Error('invalid byte sequence'), { code }),
    );
    const answer = toOAuthError(failure, logger);
    assert.equal(answer.status, 400, code);
    assert.equal(answer.error, 'invalid_request');
  }
  assert.deepEqual(logged, []);
});
