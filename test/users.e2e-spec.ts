import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { User } from '../src/users/user.entity.js';
import { Browser } from './support/browser.js';
import { registerClient } from './support/clients.js';
import { discover, signInWith } from './support/sign-in.js';
import { UsersService } from '../src/users/users.service.js';
import {
  createStorage,
  startProvider,
  target,
  TEST_SECRET,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

/** Authelia's documentation digest of "insecure_secret". */
const DIGEST =
  '$pbkdf2-sha512$310000$c8p78n7pUMln0jzvd4aK4Q$JNRBzwAo0ek5qKn50cFzzvE9RXV88h1wJn5KGiHrD0YKtZaR/nCb2CJPOsKaPK0hjf.9yHxzQGZziziccp6Yng';

const usersFile = (displayname = 'John Doe') => `
users:
  john:
    displayname: "${displayname}"
    password: "${DIGEST}"
    email: john.doe@example.com
    groups: [admins, dev]
  locked:
    displayname: Locked Out
    password: "${DIGEST}"
    disabled: true
`;

/** Runs the CLI with input on stdin; resolves with its exit code and output. */
function cli(
  args: string[],
  env: Record<string, string>,
  stdin = '',
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/src/cli.js', ...args], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        KEYS_ENCRYPTION_SECRET: TEST_SECRET,
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe(`users on ${target}`, { timeout: 120_000 }, () => {
  let storage: Storage;
  let dir: string;
  let file: string;
  let provider: RunningProvider | undefined;

  before(async () => {
    storage = await createStorage();
    dir = mkdtempSync(join(tmpdir(), 'op-users-'));
    file = join(dir, 'users.yml');
    writeFileSync(file, usersFile());
    provider = await startProvider({ ...storage.env, USERS_FILE: file });
  });
  after(async () => {
    await provider?.close();
    await storage?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const snapshot = async () =>
    (
      await provider!.app
        .get(DataSource)
        .getRepository(User)
        .find({ order: { username: 'ASC' } })
    ).map((u) => ({ username: u.username, updated: u.updatedAt.getTime(), claims: u.claims }));

  test('USERS_FILE users sign in with their Authelia digest; names ignore case', async () => {
    const users = provider!.app.get(UsersService);
    const john = await users.checkPassword('JOHN', 'insecure_secret');
    assert.equal(john?.username, 'john');
    assert.equal(john?.claims.name, 'John Doe');
    assert.equal(john?.claims.email_verified, true);
    assert.deepEqual(john?.groups, ['admins', 'dev']);
    assert.equal(await users.checkPassword('john', 'wrong'), undefined);
    assert.equal(await users.checkPassword('nobody', 'insecure_secret'), undefined);
    assert.equal(await users.checkPassword('locked', 'insecure_secret'), undefined, 'disabled');
  });

  test('a second boot writes nothing; a changed entry is updated', async () => {
    const before = await snapshot();
    await provider!.close();
    provider = await startProvider({ ...storage.env, USERS_FILE: file });
    assert.deepEqual(await snapshot(), before);

    await provider.close();
    writeFileSync(file, usersFile('John Q. Doe'));
    provider = await startProvider({ ...storage.env, USERS_FILE: file });
    const after = await snapshot();
    assert.equal(after.find((u) => u.username === 'john')?.claims.name, 'John Q. Doe');
    assert.deepEqual(
      after.find((u) => u.username === 'locked'),
      before.find((u) => u.username === 'locked'),
    );
  });

  test('signing in through the pages re-hashes an imported digest to argon2id; the next boot keeps it', async () => {
    const redirectUri = 'https://rp.example.com/cb';
    const client = await registerClient(provider!.app, {
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      consent_mode: 'implicit',
    });
    const digestOf = async () =>
      (await provider!.app.get(UsersService).findByUsername('john'))!.passwordDigest!;
    assert.equal(await digestOf(), DIGEST);
    const signIn = async () =>
      signInWith(
        new Browser(provider!.url),
        await discover(provider!.config.issuer, client),
        redirectUri,
        { username: 'john', password: 'insecure_secret' },
      );
    assert.ok((await signIn()).id_token);
    const rehashed = await digestOf();
    assert.match(rehashed, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);

    // The users file still lists the Authelia digest: a restart does not put it back.
    await provider!.close();
    provider = await startProvider({ ...storage.env, USERS_FILE: file });
    assert.equal(await digestOf(), rehashed);
    assert.ok((await signIn()).id_token, 'the same password still signs in');
  });

  test('a bad users file stops start-up naming the entry', async () => {
    await provider!.close();
    provider = undefined;
    writeFileSync(file, 'users:\n  eve:\n    password: hunter2hunter2\n');
    await assert.rejects(startProvider({ ...storage.env, USERS_FILE: file }), (e: Error) => {
      assert.match(e.message, /USERS_FILE users\.eve: password must be a digest/);
      assert.doesNotMatch(e.message, /hunter2/);
      return true;
    });
    writeFileSync(file, usersFile('John Q. Doe'));
  });

  test('npm run cli -- users:create: the password from stdin, or generated and shown once', async () => {
    const env = storage.env;
    const made = await cli(
      [
        'users:create',
        'alice',
        '--email',
        'alice@example.com',
        '--group',
        'ops',
        '--password-stdin',
      ],
      env,
      'a long enough password\n',
    );
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /created alice \(sub [0-9a-f-]{36}\)/);
    assert.doesNotMatch(made.stdout + made.stderr, /a long enough password/);

    const generated = await cli(['users:create', 'bob'], env);
    assert.equal(generated.code, 0, generated.stderr);
    const password = /password \(shown once\): (\S+)/.exec(generated.stdout)?.[1];
    assert.ok(password && password.length >= 20);

    for (const [args, stdin, pattern] of [
      [
        ['users:create', 'ALICE', '--password-stdin'],
        'another password',
        /username ALICE is taken/,
      ],
      [
        ['users:create', 'carol', '--password-stdin'],
        'short',
        /password must be longer than or equal to 8/,
      ],
      [['users:create', 'dave', '--email', 'nope'], '', /email must be an email/],
      [['users:create', 'bad name'], '', /username must be/],
    ] as const) {
      const res = await cli([...args], env, stdin);
      assert.equal(res.code, 64, `${args.join(' ')}: ${res.stderr}`);
      assert.match(res.stderr, pattern);
    }

    provider = await startProvider({ ...storage.env, USERS_FILE: file });
    const users = provider.app.get(UsersService);
    assert.equal(
      (await users.checkPassword('alice', 'a long enough password'))?.claims.email,
      'alice@example.com',
    );
    assert.equal((await users.checkPassword('bob', password))?.username, 'bob');
    assert.equal((await users.findByUsername('alice'))?.origin, 'cli');
  });
});
