import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AppConfig } from '../config/app-config.js';
import { sectorOf, Subjects } from './subjects.js';

const config = (secret: string) => ({ keys: { encryptionSecret: secret } }) as unknown as AppConfig;
const USER = '6f1f7c3e-8d0a-4a4e-9b59-0c2a36c9b1a1';

test('public clients see the user id; pairwise clients a per-sector value', () => {
  const subjects = new Subjects(config('a'.repeat(43)));
  const pub = { subject_type: 'public' as const, redirect_uris: ['https://a.example/cb'] };
  assert.equal(subjects.subjectFor(USER, pub), USER);

  const a1 = { subject_type: 'pairwise' as const, redirect_uris: ['https://a.example/cb'] };
  const a2 = { subject_type: 'pairwise' as const, redirect_uris: ['https://a.example/other'] };
  const b = { subject_type: 'pairwise' as const, redirect_uris: ['https://b.example/cb'] };
  const sub = subjects.subjectFor(USER, a1);
  assert.match(sub, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(subjects.subjectFor(USER, a2), sub, 'the same sector, the same sub');
  assert.notEqual(subjects.subjectFor(USER, b), sub, 'another sector, another sub');
  assert.notEqual(subjects.subjectFor('another-user', a1), sub);
  assert.notEqual(
    new Subjects(config('b'.repeat(43))).subjectFor(USER, a1),
    sub,
    'keyed by the secret',
  );
});

test('the sector is the sector_identifier_uri host, else the one redirect host', () => {
  assert.equal(
    sectorOf({
      sector_identifier_uri: 'https://sector.example/list.json',
      redirect_uris: ['https://a.example/cb', 'https://b.example/cb'],
    }),
    'sector.example',
  );
  assert.equal(sectorOf({ redirect_uris: ['https://a.example:8443/cb'] }), 'a.example:8443');
  assert.throws(() =>
    sectorOf({ redirect_uris: ['https://a.example/cb', 'https://b.example/cb'] }),
  );
});

test('native apps: each private-use scheme is its own sector; a web host stays its host', () => {
  const subjects = new Subjects(config('k'.repeat(43)));
  const app = (uri: string) => ({ subject_type: 'pairwise' as const, redirect_uris: [uri] });
  const mail = subjects.subjectFor(USER, app('com.example.mail:/oauth2redirect'));
  const chat = subjects.subjectFor(USER, app('org.example.chat:/cb'));
  assert.notEqual(mail, chat, 'unrelated native apps do not share a pairwise sub');
  assert.equal(subjects.subjectFor(USER, app('com.example.mail:/other')), mail);
  assert.equal(sectorOf(app('com.example.mail:/cb')), 'com.example.mail:');
  assert.equal(sectorOf(app('https://a.example/cb')), 'a.example');
  assert.throws(() =>
    sectorOf({ redirect_uris: ['com.example.mail:/cb', 'org.example.chat:/cb'] }),
  );
});
