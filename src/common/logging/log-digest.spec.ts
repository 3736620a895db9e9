import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logDigest, setLogDigestKey } from './log-digest.js';
import { redactUrl } from './logger.js';

test('a typed name is logged as a short keyed digest, the same on every instance', () => {
  setLogDigestKey('a deployment secret of at least thirty-two characters');
  const digest = logDigest('correct horse battery staple');
  assert.match(digest, /^#[A-Za-z0-9_-]{12}$/);
  assert.ok(!digest.includes('horse'));
  assert.equal(logDigest('correct horse battery staple'), digest, 'stable for one key');
  assert.notEqual(logDigest('correct horse battery stapler'), digest);
  setLogDigestKey('another deployment secret of thirty-two characters');
  assert.notEqual(logDigest('correct horse battery staple'), digest, 'keyed: no dictionary');
});

test('login_hint and logout_hint reach a logged URL only as digests', () => {
  setLogDigestKey('a deployment secret of at least thirty-two characters');
  const logged = redactUrl(
    '/authorize?client_id=a&login_hint=alice%40example.com&scope=openid&login_hint=second',
  );
  assert.ok(!logged.includes('alice'), logged);
  assert.ok(!logged.includes('second'), logged);
  const params = new URLSearchParams(logged.split('?')[1]);
  assert.deepEqual(params.getAll('login_hint'), [logDigest('alice@example.com')]);
  assert.equal(params.get('client_id'), 'a');
  assert.ok(!redactUrl('/end_session?logout_hint=bob').includes('bob'));
});
