import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { base32Decode, base32Encode } from '../src/users/totp.js';
import { User } from '../src/users/user.entity.js';
import { UsersService } from '../src/users/users.service.js';
import { SessionsService } from '../src/sessions/sessions.service.js';
import { ADMIN_ENV, adminToken, api, type Call } from './support/admin.js';
import { basicAuth, postForm } from './support/clients.js';
import {
  createStorage,
  startProvider,
  target,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

/** Authelia's documentation digest of "insecure_secret". */
const DIGEST =
  '$pbkdf2-sha512$310000$c8p78n7pUMln0jzvd4aK4Q$JNRBzwAo0ek5qKn50cFzzvE9RXV88h1wJn5KGiHrD0YKtZaR/nCb2CJPOsKaPK0hjf.9yHxzQGZziziccp6Yng';
const PASSWORD = 'correct horse battery staple';
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

describe(`admin API for users on ${target}`, { timeout: 180_000 }, () => {
  let storage: Storage;
  let dir: string;
  let provider: RunningProvider;
  let token: string;
  let base: string;
  let seedId: string;
  const logLines: string[] = [];

  const users = () => provider.app.get(UsersService);
  const repository = () => provider.app.get(DataSource).getRepository(User);
  const count = () => repository().count();
  /** Every row as stored, to prove a refused request wrote nothing. */
  const snapshot = async () =>
    (await repository().find({ order: { id: 'ASC' } })).map((u) => ({
      ...u,
      createdAt: u.createdAt.getTime(),
      updatedAt: u.updatedAt.getTime(),
    }));
  const create = async (body: Record<string, unknown>): Promise<Call> => {
    const res = await api(`${base}/users`, token, { method: 'POST', body });
    assert.equal(res.status, 201, res.text);
    return res;
  };
  const unique = (name: string) => `${name}-${randomBytes(3).toString('hex')}`;

  before(async () => {
    storage = await createStorage();
    dir = mkdtempSync(join(tmpdir(), 'op-admin-users-'));
    const file = join(dir, 'users.yml');
    writeFileSync(
      file,
      `users:\n  carol:\n    displayname: Carol Seed\n    password: "${DIGEST}"\n    groups: [ops]\n`,
    );
    provider = await startProvider(
      { ...storage.env, ...ADMIN_ENV, USERS_FILE: file },
      { logLines },
    );
    base = `${provider.url}/admin`;
    token = await adminToken(provider);
    seedId = (await users().findByUsername('carol'))!.id;
  });
  after(async () => {
    await provider?.close();
    await storage?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const ROUTES: [string, string, unknown?][] = [
    ['POST', '/users', { username: 'nobody' }],
    ['GET', '/users'],
    ['GET', `/users/${UNKNOWN_ID}`],
    ['PUT', `/users/${UNKNOWN_ID}`, {}],
    ['DELETE', `/users/${UNKNOWN_ID}`],
    ['POST', `/users/${UNKNOWN_ID}/disable`],
    ['POST', `/users/${UNKNOWN_ID}/enable`],
    ['POST', `/users/${UNKNOWN_ID}/password`],
    ['PUT', `/users/${UNKNOWN_ID}/totp`],
    ['DELETE', `/users/${UNKNOWN_ID}/totp`],
  ];

  test('every route: 401 without a token, 403 without the admin scope, then it runs', async () => {
    const worker = await api(`${base}/clients`, token, {
      method: 'POST',
      body: { grant_types: ['client_credentials'], scope: 'reports:read' },
    });
    assert.equal(worker.status, 201, worker.text);
    const issued = await postForm(
      `${provider.url}/token`,
      { grant_type: 'client_credentials' },
      {
        authorization: basicAuth(
          worker.body.client_id as string,
          worker.body.client_secret as string,
        ),
      },
    );
    const unprivileged = issued.body.access_token as string;
    const before = await snapshot();
    for (const [method, path, body] of ROUTES) {
      const none = await api(base + path, undefined, { method, body });
      assert.equal(none.status, 401, `${method} ${path}`);
      assert.equal(none.body.error, 'invalid_token');
      assert.equal(none.headers.get('www-authenticate'), 'Bearer');
      const scoped = await api(base + path, unprivileged, { method, body });
      assert.equal(scoped.status, 403, `${method} ${path}`);
      assert.equal(scoped.body.error, 'insufficient_scope');
      // With the admin token the request gets through to the handler: a 404 for the unknown id.
      const admin = await api(base + path, token, { method, body });
      const expected = path.startsWith(`/users/${UNKNOWN_ID}`) ? 404 : undefined;
      if (expected) assert.equal(admin.status, expected, `${method} ${path}: ${admin.text}`);
    }
    assert.equal((await api(`${base}/users`, token)).status, 200);
    const after = await snapshot();
    assert.equal(after.length, before.length + 1, 'only the admin-token POST created a user');
    const nobody = after.find((u) => u.username === 'nobody')!;
    assert.equal(
      (await api(`${base}/users/${nobody.id}`, token, { method: 'DELETE' })).status,
      204,
    );
  });

  test('create, then the password signs in; the view shows no digest or secret', async () => {
    const username = unique('alice');
    const created = await create({
      username,
      password: PASSWORD,
      name: 'Alice Martin',
      email: 'alice@example.com',
      email_verified: true,
      address: { locality: 'Paris', country: 'FR' },
      groups: ['staff', 'billing', 'staff'],
      unknown_member: 'ignored',
    });
    assert.equal(created.headers.get('cache-control'), 'no-store');
    assert.match(created.body.id as string, /^[0-9a-f-]{36}$/);
    assert.equal(created.body.username, username);
    assert.equal(created.body.name, 'Alice Martin');
    assert.deepEqual(created.body.address, { locality: 'Paris', country: 'FR' });
    assert.deepEqual(created.body.groups, ['staff', 'billing']);
    assert.equal(created.body.has_password, true);
    assert.equal(created.body.has_totp, false);
    assert.equal(created.body.disabled, false);
    assert.equal(created.body.origin, 'admin');
    assert.equal('unknown_member' in created.body, false);
    assert.equal('password' in created.body, false, 'a chosen password is not echoed');
    assert.doesNotMatch(created.text, /digest|argon2|encrypted|correct horse/);

    const signedIn = await users().checkPassword(username.toUpperCase(), PASSWORD);
    assert.equal(signedIn?.id, created.body.id);
    assert.equal(await users().checkPassword(username, 'wrong password'), undefined);

    const read = await api(`${base}/users/${created.body.id as string}`, token);
    assert.equal(read.status, 200);
    assert.deepEqual(read.body, created.body);
  });

  test('without a password there is no password login; an imported digest works as it is', async () => {
    const plain = await create({ username: unique('nopass') });
    assert.equal(plain.body.has_password, false);
    assert.equal(await users().checkPassword(plain.body.username as string, ''), undefined);

    const imported = await create({ username: unique('imported'), password_digest: DIGEST });
    assert.equal(imported.body.has_password, true);
    const user = await users().checkPassword(imported.body.username as string, 'insecure_secret');
    assert.equal(user?.id, imported.body.id);
  });

  test('disable stops the password from signing in; enable brings it back', async () => {
    const { body } = await create({ username: unique('dave'), password: PASSWORD });
    const id = body.id as string;
    const username = body.username as string;
    const sessions = provider.app.get(SessionsService);
    const signedIn = await sessions.create({
      userId: id,
      authTime: new Date(),
      amr: ['pwd'],
      acr: 'one_factor',
    });
    assert.ok(await sessions.resolve(signedIn.cookieValue));
    const disabled = await api(`${base}/users/${id}/disable`, token, { method: 'POST' });
    assert.equal(disabled.status, 200, disabled.text);
    assert.equal(disabled.body.disabled, true);
    assert.equal(await users().checkPassword(username, PASSWORD), undefined);
    assert.equal(await sessions.resolve(signedIn.cookieValue), undefined, 'signed out everywhere');
    const again = await api(`${base}/users/${id}/disable`, token, { method: 'POST' });
    assert.equal(again.status, 200, 'disabling twice is harmless');
    assert.equal(again.body.updated_at, disabled.body.updated_at, 'and writes nothing');

    const enabled = await api(`${base}/users/${id}/enable`, token, { method: 'POST' });
    assert.equal(enabled.status, 200);
    assert.equal(enabled.body.disabled, false);
    assert.equal((await users().checkPassword(username, PASSWORD))?.id, id);

    const locked = await create({ username: unique('locked'), password: PASSWORD, disabled: true });
    assert.equal(locked.body.disabled, true, 'an account may be created disabled');
    assert.equal(await users().checkPassword(locked.body.username as string, PASSWORD), undefined);
  });

  test('password reset: a chosen one, or a generated one shown once', async () => {
    const { body } = await create({ username: unique('erin'), password: PASSWORD });
    const id = body.id as string;
    const username = body.username as string;

    const chosen = await api(`${base}/users/${id}/password`, token, {
      method: 'POST',
      body: { password: 'a new password' },
    });
    assert.equal(chosen.status, 200, chosen.text);
    assert.equal(chosen.headers.get('cache-control'), 'no-store');
    assert.equal('password' in chosen.body, false, 'a chosen password is not echoed');
    assert.equal(await users().checkPassword(username, PASSWORD), undefined, 'the old one');
    assert.equal((await users().checkPassword(username, 'a new password'))?.id, id);

    const generated = await api(`${base}/users/${id}/password`, token, { method: 'POST' });
    assert.equal(generated.status, 200, generated.text);
    const password = generated.body.password as string;
    assert.match(password, /^[A-Za-z0-9\-._~]{24}$/);
    assert.equal((await users().checkPassword(username, password))?.id, id);
    assert.equal(await users().checkPassword(username, 'a new password'), undefined);
    assert.equal('password' in (await api(`${base}/users/${id}`, token)).body, false);

    const none = await create({ username: unique('nopass') });
    const first = await api(`${base}/users/${none.body.id as string}/password`, token, {
      method: 'POST',
      body: {},
    });
    assert.equal(first.body.has_password, true, 'a user without a password gets one');
  });

  test('TOTP: a generated secret with its otpauth URI, a chosen one, then cleared', async () => {
    const { body } = await create({ username: unique('frank') });
    const id = body.id as string;

    const generated = await api(`${base}/users/${id}/totp`, token, { method: 'PUT' });
    assert.equal(generated.status, 200, generated.text);
    assert.equal(generated.headers.get('cache-control'), 'no-store');
    assert.equal(generated.body.has_totp, true);
    const secret = generated.body.totp_secret as string;
    assert.match(secret, /^[A-Z2-7]{52}$/, '256 bits of base32 (TOTP_SECRET_BYTES)');
    const uri = new URL(generated.body.otpauth_uri as string);
    assert.equal(uri.protocol, 'otpauth:');
    assert.equal(uri.searchParams.get('secret'), secret);
    assert.equal(uri.searchParams.get('issuer'), provider.config.totp.issuer);
    assert.ok(decodeURIComponent(uri.pathname).endsWith(`:${body.username as string}`));
    const stored = users().totpSecret((await users().findById(id))!);
    assert.deepEqual(stored, base32Decode(secret), 'stored encrypted, decrypts to what was shown');

    const read = await api(`${base}/users/${id}`, token);
    assert.equal(read.body.has_totp, true);
    assert.doesNotMatch(read.text, new RegExp(secret), 'shown once only');

    const chosenSecret = base32Encode(randomBytes(16))
      .toLowerCase()
      .replace(/(.{4})/g, '$1 ');
    const chosen = await api(`${base}/users/${id}/totp`, token, {
      method: 'PUT',
      body: { secret: chosenSecret },
    });
    assert.equal(chosen.status, 200, chosen.text);
    assert.equal('totp_secret' in chosen.body, false, 'a chosen secret is not echoed');
    assert.deepEqual(users().totpSecret((await users().findById(id))!), base32Decode(chosenSecret));

    const cleared = await api(`${base}/users/${id}/totp`, token, { method: 'DELETE' });
    assert.equal(cleared.status, 204);
    assert.equal((await api(`${base}/users/${id}`, token)).body.has_totp, false);
    assert.equal(users().totpSecret((await users().findById(id))!), undefined);
  });

  test('a user read and sent back unchanged stays unchanged, updated_at included', async () => {
    const created = await create({
      username: unique('grace'),
      password: PASSWORD,
      name: 'Grace',
      phone_number: '+1 (425) 555-1212;ext=5678',
      phone_number_verified: false,
      birthdate: '0000-12-09',
      address: { formatted: '1 Main St\nSpringfield' },
      groups: ['b', 'a'],
    });
    const id = created.body.id as string;
    await api(`${base}/users/${id}/disable`, token, { method: 'POST' });
    const read = await api(`${base}/users/${id}`, token);
    const before = await snapshot();
    const put = await api(`${base}/users/${id}`, token, { method: 'PUT', body: read.body });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(put.body, read.body);
    assert.deepEqual(await snapshot(), before, 'nothing written');
  });

  test('PUT replaces claims and groups, may rename, and changes nothing else', async () => {
    const created = await create({
      username: unique('heidi'),
      password: PASSWORD,
      name: 'Heidi',
      email: 'heidi@example.com',
      groups: ['staff'],
    });
    const id = created.body.id as string;
    const renamed = unique('heidi-renamed');
    const put = await api(`${base}/users/${id}`, token, {
      method: 'PUT',
      body: { username: renamed, name: 'Heidi K.', locale: 'de-DE' },
    });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.username, renamed);
    assert.equal(put.body.name, 'Heidi K.');
    assert.equal(put.body.locale, 'de-DE');
    assert.equal('email' in put.body, false, 'a claim left out is removed');
    assert.deepEqual(put.body.groups, [], 'groups left out are removed');
    assert.equal(put.body.has_password, true, 'the password is kept');
    assert.equal((await users().checkPassword(renamed, PASSWORD))?.id, id, 'sign in by new name');

    const kept = await api(`${base}/users/${id}`, token, { method: 'PUT', body: { name: 'X' } });
    assert.equal(kept.body.username, renamed, 'a username left out is kept');
  });

  test('delete: 204, then 404', async () => {
    const { body } = await create({ username: unique('ivan'), password: PASSWORD });
    const id = body.id as string;
    const deleted = await api(`${base}/users/${id}`, token, { method: 'DELETE' });
    assert.equal(deleted.status, 204);
    assert.equal(deleted.text, '');
    assert.equal(await users().checkPassword(body.username as string, PASSWORD), undefined);
    for (const method of ['GET', 'DELETE']) {
      const gone = await api(`${base}/users/${id}`, token, { method });
      assert.equal(gone.status, 404, method);
      assert.equal(gone.body.error, 'not_found');
      assert.equal(gone.body.error_description, `No user has the id ${id}`);
    }
  });

  test('paging walks every user once, in username order whatever the case', async () => {
    for (const name of ['Page-b', 'page-a', 'PAGE-d', 'page-c', 'page-E']) {
      await create({ username: `${name}-${randomBytes(2).toString('hex')}` });
    }
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const res = await api(
        `${base}/users?limit=2${after ? `&after=${encodeURIComponent(after)}` : ''}`,
        token,
      );
      assert.equal(res.status, 200, res.text);
      const page = res.body.users as { username: string; has_password: boolean }[];
      assert.ok(page.length <= 2);
      seen.push(...page.map((u) => u.username));
      after = res.body.next as string | undefined;
      pages++;
    } while (after && pages < 100);
    assert.equal(seen.length, await count());
    assert.equal(new Set(seen).size, seen.length);
    // Postgres orders by its collation; the walk must give exactly that order.
    const ordered = await repository()
      .createQueryBuilder('u')
      .orderBy('lower(u.username)', 'ASC')
      .getMany();
    assert.deepEqual(
      seen,
      ordered.map((u) => u.username),
    );
    const letters = seen.filter((s) => /^page-/i.test(s)).map((s) => s[5].toLowerCase());
    assert.deepEqual(letters, ['a', 'b', 'c', 'd', 'e'], 'case does not sort');
    assert.doesNotMatch(JSON.stringify(seen), /digest/);
    for (const bad of ['0', '201', 'abc', '-1', '1.5']) {
      const res = await api(`${base}/users?limit=${bad}`, token);
      assert.equal(res.status, 400, bad);
      assert.equal(res.body.error, 'invalid_request');
      assert.match(String(res.body.error_description), /limit/);
    }
    assert.equal((await api(`${base}/users?after=${'x'.repeat(201)}`, token)).status, 400);
  });

  test('users of USERS_FILE are read here and changed there: 409, except their TOTP', async () => {
    const read = await api(`${base}/users/${seedId}`, token);
    assert.equal(read.status, 200);
    assert.equal(read.body.origin, 'seed');
    assert.equal(read.body.name, 'Carol Seed');
    const before = await snapshot();
    for (const [method, path, body] of [
      ['PUT', '', { name: 'Changed' }],
      ['PUT', '', read.body],
      ['DELETE', '', undefined],
      ['POST', '/disable', undefined],
      ['POST', '/enable', undefined],
      ['POST', '/password', { password: 'another password' }],
      ['POST', '/password', undefined],
    ] as const) {
      const res = await api(`${base}/users/${seedId}${path}`, token, { method, body });
      assert.equal(res.status, 409, `${method} ${path}: ${res.text}`);
      assert.equal(res.body.error, 'invalid_request');
      assert.equal(
        res.body.error_description,
        'User carol is managed by configuration (USERS_FILE); change it there',
      );
    }
    assert.deepEqual(await snapshot(), before, 'nothing written');
    assert.equal((await users().checkPassword('carol', 'insecure_secret'))?.id, seedId);

    // The file holds no TOTP secrets, so a boot keeps one set here.
    const totp = await api(`${base}/users/${seedId}/totp`, token, { method: 'PUT' });
    assert.equal(totp.status, 200, totp.text);
    assert.equal(totp.body.has_totp, true);
    assert.equal(
      (await api(`${base}/users/${seedId}/totp`, token, { method: 'DELETE' })).status,
      204,
    );
  });

  const createRefusals: [string, unknown, RegExp][] = [
    ['no username', { name: 'x' }, /username must be/],
    ['a username with a space', { username: 'has space' }, /username must be/],
    ['a username of 101 characters', { username: 'u'.repeat(101) }, /username must be/],
    ['a username that is a number', { username: 42 }, /username must be/],
    ['a taken username, in another case', { username: 'CAROL' }, /The username CAROL is taken/],
    ['a short password', { username: 'shorty', password: 'seven77' }, /password must be longer/],
    ['a password that is no string', { username: 'nostr', password: 12345678 }, /password/],
    ['a password of 1025 characters', { username: 'long', password: 'p'.repeat(1025) }, /password/],
    [
      'password and digest',
      { username: 'both', password: PASSWORD, password_digest: DIGEST },
      /at most one/,
    ],
    ['a bogus digest', { username: 'md5', password_digest: '$md5$abc' }, /password_digest must be/],
    [
      'a digest that is no string',
      { username: 'dig', password_digest: 1 },
      /password_digest must be/,
    ],
    ['a bad email', { username: 'mail', email: 'not an email' }, /email must be an email/],
    [
      'email_verified as text',
      { username: 'ev', email_verified: 'yes' },
      /email_verified must be a boolean/,
    ],
    ['a bad birthdate', { username: 'bd', birthdate: '12/09/1980' }, /birthdate must be/],
    ['a bad zoneinfo', { username: 'tz', zoneinfo: 'Mars/Olympus' }, /zoneinfo must be/],
    ['a bad picture URL', { username: 'pic', picture: 'javascript:alert(1)' }, /picture must be/],
    ['an address that is text', { username: 'addr', address: 'Paris' }, /address/],
    [
      'an address member of a wrong type',
      { username: 'addr2', address: { country: 7 } },
      /address\.country/,
    ],
    ['groups as text', { username: 'grp', groups: 'admins' }, /groups/],
    ['a group with a space', { username: 'grp2', groups: ['a b'] }, /each group/],
    ['disabled as text', { username: 'dis', disabled: 'true' }, /disabled must be a boolean/],
    ['an array body', [{ username: 'arr' }], /The body must be a JSON object/],
  ];
  for (const [name, body, description] of createRefusals) {
    test(`create refuses ${name}, writing nothing`, async () => {
      const before = await count();
      const res = await api(`${base}/users`, token, { method: 'POST', body });
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.error, 'invalid_request');
      assert.match(String(res.body.error_description), description);
      assert.equal(await count(), before);
    });
  }

  test('bad input to the other operations: a clear 4xx, nothing written', async () => {
    const { body } = await create({ username: unique('judy'), password: PASSWORD, name: 'Judy' });
    const id = body.id as string;
    const before = await snapshot();
    const cases: [string, string, unknown, number, RegExp][] = [
      ['GET', `/users/${UNKNOWN_ID}`, undefined, 404, /No user has the id/],
      ['GET', '/users/not-a-uuid', undefined, 404, /No user has the id not-a-uuid/],
      ['GET', `/users/${id.toUpperCase()}x`, undefined, 404, /No user has the id/],
      ['POST', '/users/not-a-uuid/password', { password: PASSWORD }, 404, /No user/],
      ['POST', '/users/not-a-uuid/disable', undefined, 404, /No user/],
      ['PUT', '/users/not-a-uuid/totp', undefined, 404, /No user/],
      ['DELETE', '/users/not-a-uuid/totp', undefined, 404, /No user/],
      ['DELETE', '/users/not-a-uuid', undefined, 404, /No user/],
      ['PUT', `/users/${id}`, { id: UNKNOWN_ID }, 400, /id cannot be changed/],
      ['PUT', `/users/${id}`, { password: 'new password' }, 400, /password is not changed here/],
      ['PUT', `/users/${id}`, { password_digest: DIGEST }, 400, /password_digest is not changed/],
      ['PUT', `/users/${id}`, { disabled: true }, 400, /use POST \/admin\/users\/\{id\}\/disable/],
      ['PUT', `/users/${id}`, { username: 'CAROL' }, 400, /The username CAROL is taken/],
      ['PUT', `/users/${id}`, { username: 'a b' }, 400, /username must be/],
      ['PUT', `/users/${id}`, { name: ['Judy'] }, 400, /name must be a string/],
      ['PUT', `/users/${id}`, { groups: [1] }, 400, /groups/],
      ['PUT', `/users/${id}`, [], 400, /JSON object/],
      ['PUT', `/users/${UNKNOWN_ID}`, { name: 'x' }, 404, /No user/],
      ['POST', `/users/${id}/password`, { password: 'short' }, 400, /password must be longer/],
      ['POST', `/users/${id}/password`, { password: 12345678 }, 400, /password must be a string/],
      ['POST', `/users/${id}/password`, ['x'], 400, /JSON object/],
      ['PUT', `/users/${id}/totp`, { secret: 'not base32!' }, 400, /secret must be base32/],
      ['PUT', `/users/${id}/totp`, { secret: 12 }, 400, /secret must be base32/],
      ['PUT', `/users/${id}/totp`, { secret: 'JBSWY3DPEHPK3PXP' }, 400, /128 to 512 bits/],
      ['PUT', `/users/${id}/totp`, { secret: 'A'.repeat(112) }, 400, /128 to 512 bits/],
      ['PUT', `/users/${id}/totp`, { secret: 'A'.repeat(201) }, 400, /secret must be base32/],
      ['PUT', `/users/${id}/totp`, 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', 400, /JSON object/],
    ];
    for (const [method, path, payload, status, description] of cases) {
      const res = await api(base + path, token, { method, body: payload });
      assert.equal(res.status, status, `${method} ${path} ${JSON.stringify(payload)}: ${res.text}`);
      assert.equal(res.body.error, status === 404 ? 'not_found' : 'invalid_request');
      assert.match(String(res.body.error_description), description, `${method} ${path}`);
      assert.equal(res.headers.get('cache-control'), 'no-store');
    }
    assert.deepEqual(await snapshot(), before);
  });

  test('hostile bodies get a 4xx, never a 5xx or a stack trace', async () => {
    const { body } = await create({ username: unique('mallory') });
    const id = body.id as string;
    const before = await snapshot();
    for (const [method, path] of [
      ['POST', '/users'],
      ['PUT', `/users/${id}`],
      ['POST', `/users/${id}/password`],
      ['PUT', `/users/${id}/totp`],
    ] as const) {
      for (const [raw, type, status] of [
        ['{"username": [', 'application/json', 400],
        ['{"__proto__": {"disabled": true}}', 'application/json', 400],
        ['username=x', 'text/plain', 400],
        ['x'.repeat(70_000), 'application/json', 413],
        ['"a string"', 'application/json', 400],
        ['null', 'application/json', 400],
        ['42', 'application/json', 400],
      ] as const) {
        const res = await api(base + path, token, { method, raw, type });
        if (raw === 'null' && path !== '/users' && !path.endsWith(id)) {
          // An optional body: null is no body, so these ran (a generated secret), not refused.
          assert.equal(res.status, 200, `${method} ${path} null`);
          continue;
        }
        assert.equal(
          res.status,
          status,
          `${method} ${path} ${type} ${raw.slice(0, 30)}: ${res.text}`,
        );
        assert.ok(res.body.error, 'an OAuth-style error body');
        assert.doesNotMatch(res.text, /at .*\.js:\d+/, 'no stack trace');
      }
    }
    const after = await snapshot();
    assert.equal(after.length, before.length);
    const other = (rows: typeof before) => rows.filter((u) => u.id !== id);
    assert.deepEqual(other(after), other(before));
    assert.equal((await api(`${base}/users/${'x'.repeat(1100)}`, token)).status, 414);
  });

  test('a NUL byte anywhere (claims, paging cursor, path) is a 400, and no digest reaches the log', async () => {
    const before = logLines.length;
    const created = await api(`${base}/users`, token, {
      method: 'POST',
      body: {
        username: unique('nul'),
        password: 'a password whose digest must not be logged',
        name: 'a\u0000b',
      },
    });
    assert.equal(created.status, 400, created.text);
    const listed = await api(`${base}/users?after=%00`, token);
    assert.equal(listed.status, 400, listed.text);
    const someone = await create({ username: unique('nul-ok') });
    const consent = await api(`${base}/users/${someone.body.id as string}/consents/a%00b`, token, {
      method: 'DELETE',
    });
    assert.equal(consent.status, 400, consent.text);
    const log = logLines.slice(before).join('');
    assert.doesNotMatch(log, /\$argon2/, 'no password digest in the log');
    assert.doesNotMatch(log, /"parameters"/);
  });

  test('each change is logged with the admin client, never a password or a secret', async () => {
    const username = unique('logged');
    const { body } = await create({ username, password: 'logged password 1' });
    const id = body.id as string;
    await api(`${base}/users/${id}/password`, token, {
      method: 'POST',
      body: { password: 'logged password 2' },
    });
    const generated = await api(`${base}/users/${id}/password`, token, { method: 'POST' });
    const totp = await api(`${base}/users/${id}/totp`, token, { method: 'PUT' });
    await api(`${base}/users/${id}/disable`, token, { method: 'POST' });
    await api(`${base}/users/${id}`, token, { method: 'DELETE' });
    const log = logLines.join('');
    for (const line of [
      `User ${username} (${id}) created by ${ADMIN_ENV.ADMIN_CLIENT_ID}`,
      `Password of user ${username} (${id}) set by ${ADMIN_ENV.ADMIN_CLIENT_ID}`,
      `TOTP secret of user ${username} (${id}) set by ${ADMIN_ENV.ADMIN_CLIENT_ID}`,
      `User ${username} (${id}) disabled by ${ADMIN_ENV.ADMIN_CLIENT_ID}`,
      `User ${username} (${id}) deleted by ${ADMIN_ENV.ADMIN_CLIENT_ID}`,
    ]) {
      assert.ok(log.includes(line), line);
    }
    for (const secret of [
      'logged password 1',
      'logged password 2',
      generated.body.password as string,
      totp.body.totp_secret as string,
      PASSWORD,
    ]) {
      assert.ok(!log.includes(secret), `${secret} leaked into the log`);
    }
    assert.doesNotMatch(log, /argon2id|pbkdf2/);
  });
});
