import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStorage, freePort, sleep } from './support/provider.js';

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built server as an operator would, with only the given environment. */
function runServer(env: Record<string, string>): { exited: Promise<Exit>; stop(): void } {
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  const exited = new Promise<Exit>((resolve) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return { exited, stop: () => child.kill('SIGTERM') };
}

describe(
  'start-up stops with a clear message on a bad configuration or an unreachable dependency',
  { timeout: 120_000 },
  () => {
    const production = {
      NODE_ENV: 'production',
      ISSUER: 'https://id.example.org',
      KEYS_ENCRYPTION_SECRET: 'Vt8kq2N4mZ7xR1pL6sW9yB3dF5hJ0cQe',
    };
    const cases: [string, Record<string, string>, RegExp][] = [
      [
        'a non-URL ISSUER',
        { ISSUER: 'id.example.org' },
        /ISSUER must be an absolute URL with scheme https: or http: \(got "id\.example\.org"\)/,
      ],
      [
        'an unknown algorithm',
        { SIGNING_ALGS: 'RS256,HS256' },
        /SIGNING_ALGS must be a comma-separated list of RS256, PS256, ES256, EdDSA \(got "RS256,HS256"\)/,
      ],
      [
        'a missing KEYS_ENCRYPTION_SECRET in production',
        { ...production, KEYS_ENCRYPTION_SECRET: '' },
        /KEYS_ENCRYPTION_SECRET is required in production/,
      ],
      [
        'a short KEYS_ENCRYPTION_SECRET in production',
        { ...production, KEYS_ENCRYPTION_SECRET: 'too-short' },
        /KEYS_ENCRYPTION_SECRET must be at least 32 characters \(got 9\)/,
      ],
      [
        'a placeholder KEYS_ENCRYPTION_SECRET in production',
        { ...production, KEYS_ENCRYPTION_SECRET: 'changeme-changeme-changeme-changeme' },
        /KEYS_ENCRYPTION_SECRET looks like a placeholder/,
      ],
      // Real services with NODE_ENV unset: the production rules, not the development defaults.
      [
        'real services, NODE_ENV unset, no KEYS_ENCRYPTION_SECRET',
        {
          DATABASE_URL: 'postgres://postgres@127.0.0.1:1/op',
          REDIS_URL: 'redis://127.0.0.1:1',
          ISSUER: 'https://id.example.org',
        },
        /KEYS_ENCRYPTION_SECRET is required in production[\s\S]*NODE_ENV is not set and DATABASE_URL or REDIS_URL is: production rules apply/,
      ],
      [
        'real services, NODE_ENV unset, a placeholder KEYS_ENCRYPTION_SECRET',
        {
          DATABASE_URL: 'postgres://postgres@127.0.0.1:1/op',
          ISSUER: 'https://id.example.org',
          KEYS_ENCRYPTION_SECRET: 'changeme-changeme-changeme-changeme',
        },
        /KEYS_ENCRYPTION_SECRET looks like a placeholder[\s\S]*production rules apply/,
      ],
    ];
    for (const [name, env, message] of cases) {
      test(name, async () => {
        const exit = await runServer(env).exited;
        assert.equal(exit.code, 78, exit.stderr);
        assert.match(exit.stderr, /^Invalid configuration:/);
        assert.match(exit.stderr, message);
        assert.doesNotMatch(exit.stderr, /\n\s+at /, 'no stack trace');
        if (env.KEYS_ENCRYPTION_SECRET)
          assert.ok(!exit.stderr.includes(env.KEYS_ENCRYPTION_SECRET), 'the secret is not echoed');
      });
    }

    test('a development start from an empty DATA_DIR warns, serves, and stops cleanly on SIGTERM', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'op-start-'));
      const port = await freePort();
      try {
        const server = runServer({ DATA_DIR: join(dir, 'data'), PORT: String(port) });
        let discovery: Record<string, unknown> | undefined;
        for (let i = 0; i < 150 && !discovery; i++) {
          await sleep(100);
          discovery = await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`).then(
            (r) => r.json() as Promise<Record<string, unknown>>,
            () => undefined,
          );
        }
        assert.equal(discovery?.issuer, `http://localhost:${port}`);
        server.stop();
        const exit = await server.exited;
        assert.equal(exit.code, 0, exit.stderr);
        const lines = exit.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { level: number; msg: string });
        assert.ok(
          lines.some(
            (l) =>
              l.level === 40 && /DATABASE_URL is not set; using the embedded Postgres/.test(l.msg),
          ),
        );
        assert.ok(
          lines.some(
            (l) => l.level === 40 && /REDIS_URL is not set; using the in-memory store/.test(l.msg),
          ),
        );
        assert.ok(lines.some((l) => /SIGTERM received/.test(l.msg)));
        assert.equal(lines.at(-1)?.msg, 'Stopped');

        // The same data with another KEYS_ENCRYPTION_SECRET: the keys cannot be read, start-up stops.
        const changed = await runServer({
          DATA_DIR: join(dir, 'data'),
          PORT: String(port),
          KEYS_ENCRYPTION_SECRET: 'another-secret-of-more-than-32-characters',
        }).exited;
        assert.equal(changed.code, 1);
        assert.match(
          changed.stdout,
          /Start-up failed: Signing key [\w-]+ cannot be decrypted: KEYS_ENCRYPTION_SECRET differs from the one it was stored under/,
        );
        assert.ok(!changed.stdout.includes('another-secret-of-more-than-32-characters'));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    test('an unreachable Redis stops start-up with a message naming it, without its password', async () => {
      const storage = await createStorage('services');
      try {
        const exit = await runServer({
          ...storage.env,
          NODE_ENV: 'development',
          REDIS_URL: 'redis://:hunter2pw@127.0.0.1:1',
          PORT: String(await freePort()),
        }).exited;
        assert.equal(exit.code, 1);
        assert.match(
          exit.stdout,
          /Start-up failed: Redis at 127\.0\.0\.1:1 did not answer within 10s \(connect ECONNREFUSED/,
        );
        assert.ok(!exit.stdout.includes('hunter2pw'));
      } finally {
        await storage.dispose();
      }
    });

    test('an unreachable Postgres stops start-up at once', async () => {
      const exit = await runServer({
        NODE_ENV: 'development',
        DATABASE_URL: 'postgres://postgres:hunter2pw@127.0.0.1:1/op',
        PORT: String(await freePort()),
      }).exited;
      assert.equal(exit.code, 1);
      assert.match(exit.stdout, /Start-up failed: connect ECONNREFUSED 127\.0\.0\.1:1/);
      assert.ok(!exit.stdout.includes('hunter2pw'));
    });
  },
);
