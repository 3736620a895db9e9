import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pg from 'pg';
import { createApp } from '../../src/app.factory.js';
import type { Clock } from '../../src/common/clock.js';
import { createLogger } from '../../src/common/logging/logger.js';
import { loadConfig, type AppConfig } from '../../src/config/app-config.js';

/** `services` (real Postgres + Redis) or `embedded` (PGlite + memory), chosen by the runner. */
export const target = process.env.E2E_TARGET === 'embedded' ? 'embedded' : 'services';
export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const TEST_SECRET = 'test-keys-encryption-secret-' + 'Q7v2mX9pL4sR8tW1';

/** Ports handed out by this process: the kernel may offer a just-closed one again. */
const handedOut = new Set<number>();

/**
 * A port nothing listens on, never one handed out before in this process: two instances
 * started side by side (A on a port chosen for its ISSUER, B on its own) would otherwise
 * both get it and one fail with EADDRINUSE.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/**
 * Storage for one test: a fresh database on the Postgres server and a unique Redis prefix,
 * or a fresh DATA_DIR for the embedded default. Dropped by `dispose()`.
 */
export interface Storage {
  env: Record<string, string>;
  databaseUrl?: string;
  dispose(): Promise<void>;
}

export async function createStorage(kind: 'services' | 'embedded' = target): Promise<Storage> {
  const id = randomBytes(6).toString('hex');
  if (kind === 'embedded') {
    const dir = mkdtempSync(join(tmpdir(), 'op-e2e-'));
    return {
      env: { DATA_DIR: join(dir, 'data') },
      dispose: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
    };
  }
  const name = `op_test_${id}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    env: { DATABASE_URL: url.href, REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: `t${id}:` },
    databaseUrl: url.href,
    dispose: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export interface RunningProvider {
  app: NestFastifyApplication;
  config: AppConfig;
  url: string;
  close(): Promise<void>;
}

/**
 * Boots the whole provider in this process on a free port, as `main` does. With `logLines`,
 * its log lines (info and above) are collected there, for tests of what is logged; with
 * `clock`, its services read that clock instead of the system's.
 */
export async function startProvider(
  env: Record<string, string>,
  options: { logLines?: string[]; clock?: Clock } = {},
): Promise<RunningProvider> {
  const port = Number(env.PORT ?? (await freePort()));
  const config = loadConfig({
    NODE_ENV: 'test',
    KEYS_ENCRYPTION_SECRET: TEST_SECRET,
    ISSUER: `http://127.0.0.1:${port}`,
    // Tests make their own users and clients; the demo seed's spec turns it back on.
    DEMO_SEED: 'off',
    ...env,
    PORT: String(port),
  });
  const { logLines } = options;
  const logger = logLines
    ? createLogger('info', { write: (line: string) => void logLines.push(line) })
    : createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const app = await createApp(config, logger, { clock: options.clock });
  await app.listen({ port, host: '127.0.0.1' });
  return { app, config, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

export interface Jwks {
  keys: { kid: string; alg: string; use: string; kty: string; [k: string]: unknown }[];
}

export async function getJwks(url: string): Promise<Jwks> {
  const res = await fetch(`${url}/jwks`);
  if (res.status !== 200) throw new Error(`JWKS answered ${res.status}`);
  return (await res.json()) as Jwks;
}
