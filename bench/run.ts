/**
 * `npm run bench`: the provider against oidc-provider, side by side in one run, on real
 * Postgres and Redis. Each server is a child process pinned to core 0; the load generator
 * (autocannon) runs in another process pinned to core 1. Prints requests/s, p50 and p99 per
 * scenario, the ratio ours/theirs, and the signing bound of core 0. Asserts nothing.
 *
 *   BENCH_ROUNDS=3 BENCH_DURATION=10 BENCH_WARMUP=3 BENCH_CONNECTIONS=10 npm run bench
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  SignJWT,
  type JWK,
} from 'jose';
import pg from 'pg';
import { LIMITED_ENDPOINTS } from '../src/rate-limits/rate-limits.settings.js';
import type { LoadResult, LoadScenario } from './load.js';
import type { TheirSettings } from './oidc-provider-server.js';

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const RESOURCE = 'https://orders.example';
const SCOPE = 'orders:read';
/** The other service the token-exchange scenario asks a token for. */
const EXCHANGE_AUDIENCE = 'https://invoices.example';
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const SECRET = randomBytes(32).toString('base64url');
/** One per run: both of our servers share the database and its encrypted keys. */
const KEYS_ENCRYPTION_SECRET = randomBytes(32).toString('base64url');

const pinned = cpus().length >= 2 && hasTaskset();
const SERVER_CORE = '0';
const LOAD_CORE = '1';

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-c', '0', 'true']);
    return true;
  } catch {
    return false;
  }
}

/** node with args, pinned to a core when the machine allows. */
function nodeOn(core: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const command = pinned ? 'taskset' : process.execPath;
  const argv = pinned ? ['-c', core, process.execPath, ...args] : args;
  return spawn(command, argv, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function collect(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(err || `exit ${code}`)),
    );
  });
}

async function waitFor(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${log()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server did not become ready:\n${log()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface Server {
  name: 'ours' | 'theirs';
  url: string;
  /** From the server's discovery document: the two servers name their endpoints differently. */
  endpoints: { token: string; introspection: string; jwks: string };
  stop(): Promise<void>;
}

function freePort(): number {
  return 20_000 + Math.floor(Math.random() * 20_000);
}

async function startChild(
  name: 'ours' | 'theirs',
  args: string[],
  env: NodeJS.ProcessEnv,
  port: number,
  ready: string,
): Promise<Server> {
  const child = nodeOn(SERVER_CORE, args, env);
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(url + ready, child, () => log);
  const discovery = (await (
    await fetch(`${url}/.well-known/openid-configuration`)
  ).json()) as Record<string, string>;
  return {
    name,
    url,
    endpoints: {
      token: discovery.token_endpoint,
      introspection: discovery.introspection_endpoint,
      jwks: discovery.jwks_uri,
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('close', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

interface Keys {
  pkjwtPrivate: JWK;
  /** The key of the DPoP scenario's proofs (RFC 9449), public half in each proof's header. */
  dpopPrivate: JWK;
  dpopPublic: JWK;
  pkjwtPublic: JWK;
  theirKeys: JWK[];
}

async function makeKeys(): Promise<Keys> {
  const client = await generateKeyPair('ES256', { extractable: true });
  const pkjwtPrivate = {
    ...(await exportJWK(client.privateKey)),
    kid: 'bench-client',
    alg: 'ES256',
  };
  const pkjwtPublic = {
    ...(await exportJWK(client.publicKey)),
    kid: 'bench-client',
    alg: 'ES256',
    use: 'sig',
  };
  const theirKeys: JWK[] = [];
  for (const alg of ['RS256', 'ES256'] as const) {
    const pair = await generateKeyPair(alg, { extractable: true, modulusLength: 2048 });
    theirKeys.push({ ...(await exportJWK(pair.privateKey)), kid: `their-${alg}`, alg, use: 'sig' });
  }
  const dpop = await generateKeyPair('ES256', { extractable: true });
  return {
    pkjwtPrivate,
    pkjwtPublic,
    theirKeys,
    dpopPrivate: await exportJWK(dpop.privateKey),
    dpopPublic: await exportJWK(dpop.publicKey),
  };
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function clientsFile(dir: string, keys: Keys): string {
  const file = join(dir, 'clients.yml');
  const machine = `    grant_types: [client_credentials]\n    scopes: [${SCOPE}]\n    audience: [${RESOURCE}]\n`;
  writeFileSync(
    file,
    `clients:
  - client_id: bench-basic
    client_secret: '$plaintext$${SECRET}'
${machine}  - client_id: bench-exchanger
    client_secret: '$plaintext$${SECRET}'
    grant_types: [client_credentials, '${TOKEN_EXCHANGE}']
    scopes: [${SCOPE}]
    audience: [${RESOURCE}, ${EXCHANGE_AUDIENCE}]
  - client_id: bench-introspector
    client_secret: '$plaintext$${SECRET}'
    introspection_audiences: [${RESOURCE}]
${machine}  - client_id: bench-pkjwt
    token_endpoint_auth_method: private_key_jwt
    token_endpoint_auth_signing_alg: ES256
    jwks: { keys: [${JSON.stringify(keys.pkjwtPublic)}] }
${machine}`,
  );
  return file;
}

async function startOurs(
  alg: 'RS256' | 'ES256',
  database: string,
  dir: string,
  keys: Keys,
): Promise<Server> {
  const port = freePort();
  const url = new URL(DATABASE_URL);
  url.pathname = `/${database}`;
  // BENCH_PROFILE=1: a V8 CPU profile of each of our servers, in bench/results/profiles.
  const profile = process.env.BENCH_PROFILE
    ? ['--cpu-prof', '--cpu-prof-dir=bench/results/profiles']
    : [];
  return startChild(
    'ours',
    [...profile, 'dist/src/main.js'],
    {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      ISSUER: `http://127.0.0.1:${port}`,
      DATABASE_URL: url.href,
      REDIS_URL,
      REDIS_KEY_PREFIX: `bench${randomBytes(4).toString('hex')}:`,
      KEYS_ENCRYPTION_SECRET,
      SIGNING_ALGS: 'RS256,ES256',
      ACCESS_TOKEN_SIGNING_ALG: alg,
      CLIENTS_FILE: clientsFile(dir, keys),
      // One client from one address at thousands of requests a second is the benchmark's
      // load, not an abuse; oidc-provider has no limits either.
      ...Object.fromEntries(
        Object.values(LIMITED_ENDPOINTS).flatMap((name) => [
          [`RATE_LIMITS_${name}_CLIENT`, '0'],
          [`RATE_LIMITS_${name}_ADDRESS`, '0'],
        ]),
      ),
    },
    port,
    '/health/ready',
  );
}

async function startTheirs(alg: 'RS256' | 'ES256', keys: Keys): Promise<Server> {
  const port = freePort();
  const settings: TheirSettings = {
    port,
    alg,
    resource: RESOURCE,
    scope: SCOPE,
    secret: SECRET,
    keys: keys.theirKeys,
    pkjwtPublicJwk: keys.pkjwtPublic,
    exchangeAudience: EXCHANGE_AUDIENCE,
  };
  return startChild(
    'theirs',
    ['dist/bench/oidc-provider-server.js'],
    { NODE_ENV: 'production', BENCH_OIDC_PROVIDER: JSON.stringify(settings) },
    port,
    '/.well-known/openid-configuration',
  );
}

const basic = (id: string) => `Basic ${Buffer.from(`${id}:${SECRET}`).toString('base64')}`;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const ccBody = `grant_type=client_credentials&scope=${encodeURIComponent(SCOPE)}&resource=${encodeURIComponent(RESOURCE)}`;

interface Scenario {
  name: string;
  /** Builds the load for one server; may make preparatory requests. */
  load(
    server: Server,
    keys: Keys,
  ): Promise<Omit<LoadScenario, 'connections' | 'warmupSeconds' | 'durationSeconds'>>;
  /** Checks one response first, so a misconfigured server cannot look fast. */
  check?(server: Server, keys: Keys): Promise<void>;
}

async function tokenFrom(server: Server, clientId: string, body: string): Promise<string> {
  const res = await fetch(server.endpoints.token, {
    method: 'POST',
    headers: { ...FORM, authorization: basic(clientId) },
    body,
  });
  const json = (await res.json()) as { access_token?: string };
  if (res.status !== 200 || !json.access_token) {
    throw new Error(`${server.name}: token request failed (${res.status}) ${JSON.stringify(json)}`);
  }
  return json.access_token;
}

const clientCredentials = (alg: 'RS256' | 'ES256'): Scenario => ({
  name: `client_credentials, client_secret_basic, ${alg}`,
  load: (server) =>
    Promise.resolve({
      url: server.endpoints.token,
      method: 'POST',
      headers: { ...FORM, authorization: basic('bench-basic') },
      body: ccBody,
    }),
  async check(server) {
    const token = await tokenFrom(server, 'bench-basic', ccBody);
    const header = decodeProtectedHeader(token);
    if (header.alg !== alg || header.typ !== 'at+jwt') {
      throw new Error(`${server.name}: expected an ${alg} at+jwt, got ${JSON.stringify(header)}`);
    }
  },
});

const RS256_CC = clientCredentials('RS256').name;
const ES256_CC = clientCredentials('ES256').name;

const SCENARIOS: { alg: 'RS256' | 'ES256'; scenarios: Scenario[] }[] = [
  { alg: 'RS256', scenarios: [clientCredentials('RS256')] },
  {
    alg: 'ES256',
    scenarios: [
      clientCredentials('ES256'),
      {
        name: 'client_credentials, private_key_jwt (ES256), ES256',
        load: (server, keys) =>
          Promise.resolve({
            url: server.endpoints.token,
            method: 'POST',
            headers: FORM,
            assertions: {
              clientId: 'bench-pkjwt',
              audience: server.url,
              privateJwk: keys.pkjwtPrivate,
              alg: 'ES256',
              count: (WARMUP + DURATION) * 6_000,
              form: ccBody,
            },
          }),
      },
      {
        name: '/introspect (an active token)',
        async load(server) {
          // oidc-provider cannot introspect JWT access tokens: it gets one of its opaque ones.
          const token =
            server.name === 'ours'
              ? await tokenFrom(server, 'bench-basic', ccBody)
              : await tokenFrom(server, 'bench-opaque', 'grant_type=client_credentials');
          return {
            url: server.endpoints.introspection,
            method: 'POST',
            headers: { ...FORM, authorization: basic('bench-introspector') },
            body: `token=${token}`,
          };
        },
        async check(server) {
          const { body, url, headers } = await this.load(server, undefined as never);
          const res = await fetch(url, { method: 'POST', headers, body });
          const json = (await res.json()) as { active?: boolean };
          if (json.active !== true)
            throw new Error(`${server.name}: introspection says ${JSON.stringify(json)}`);
        },
      },
      {
        name: 'token exchange (RFC 8693), delegation, ES256',
        async load(server) {
          // A service's own token as the subject, and as the actor: the same work as a user's.
          const subject = await tokenFrom(server, 'bench-exchanger', ccBody);
          const actor = await tokenFrom(server, 'bench-exchanger', ccBody);
          return {
            url: server.endpoints.token,
            method: 'POST',
            headers: { ...FORM, authorization: basic('bench-exchanger') },
            body: new URLSearchParams({
              grant_type: TOKEN_EXCHANGE,
              subject_token: subject,
              subject_token_type: ACCESS_TOKEN_TYPE,
              actor_token: actor,
              actor_token_type: ACCESS_TOKEN_TYPE,
              audience: EXCHANGE_AUDIENCE,
            }).toString(),
          };
        },
        async check(server) {
          const { url, headers, body } = await this.load(server, undefined as never);
          const res = await fetch(url, { method: 'POST', headers, body });
          const json = (await res.json()) as { access_token?: string };
          const claims = json.access_token ? decodeJwt(json.access_token) : {};
          if (res.status !== 200 || claims.aud !== EXCHANGE_AUDIENCE || !claims.act)
            throw new Error(`${server.name}: token exchange gave ${JSON.stringify(json)}`);
        },
      },
      {
        name: 'client_credentials, client_secret_basic, DPoP-bound (ES256 proofs), ES256',
        load: (server, keys) =>
          Promise.resolve({
            url: server.endpoints.token,
            method: 'POST',
            headers: { ...FORM, authorization: basic('bench-basic') },
            body: ccBody,
            dpop: {
              privateJwk: keys.dpopPrivate,
              publicJwk: keys.dpopPublic,
              alg: 'ES256',
              htm: 'POST',
              htu: server.endpoints.token,
              count: (WARMUP + DURATION) * 6_000,
            },
          }),
        async check(server, keys) {
          const proof = await new SignJWT({
            htm: 'POST',
            htu: server.endpoints.token,
            iat: Math.floor(Date.now() / 1000),
            jti: randomBytes(16).toString('base64url'),
          })
            .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: keys.dpopPublic })
            .sign(await importJWK(keys.dpopPrivate, 'ES256'));
          const res = await fetch(server.endpoints.token, {
            method: 'POST',
            headers: { ...FORM, authorization: basic('bench-basic'), dpop: proof },
            body: ccBody,
          });
          const json = (await res.json()) as { token_type?: string };
          if (res.status !== 200 || json.token_type?.toLowerCase() !== 'dpop')
            throw new Error(
              `${server.name}: expected a DPoP-bound token, got ${JSON.stringify(json)}`,
            );
        },
      },
      {
        name: 'GET /jwks',
        load: (server) =>
          Promise.resolve({ url: server.endpoints.jwks, method: 'GET', headers: {} }),
      },
      {
        name: 'GET /.well-known/openid-configuration',
        load: (server) =>
          Promise.resolve({
            url: `${server.url}/.well-known/openid-configuration`,
            method: 'GET',
            headers: {},
          }),
      },
    ],
  },
];

async function runLoad(
  scenario: Omit<LoadScenario, 'connections' | 'warmupSeconds' | 'durationSeconds'>,
): Promise<LoadResult> {
  const full: LoadScenario = {
    ...scenario,
    connections: CONNECTIONS,
    warmupSeconds: WARMUP,
    durationSeconds: DURATION,
  };
  return JSON.parse(
    await collect(nodeOn(LOAD_CORE, ['dist/bench/load.js', JSON.stringify(full)])),
  ) as LoadResult;
}

interface Row {
  scenario: string;
  ours: LoadResult[];
  theirs: LoadResult[];
}

const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** The round with the median throughput stands for the scenario: its p50 and p99 go with it. */
function representative(results: LoadResult[]): LoadResult | undefined {
  if (results.length === 0) return undefined;
  const sorted = [...results].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  return sorted[(sorted.length - 1) >> 1];
}

function fmt(results: LoadResult[]): string[] {
  const r = representative(results);
  if (!r) return ['-', '-', '-'];
  const bad = results.reduce((n, x) => n + x.non2xx + x.errors + x.timeouts, 0);
  return [
    `${Math.round(median(results.map((x) => x.requestsPerSecond)))}${bad > 0 ? ` (INVALID: ${bad} failed)` : ''}`,
    `${r.p50} ms`,
    `${r.p99} ms`,
  ];
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ')).join('\n');
}

async function signingBound(): Promise<Record<string, number>> {
  return JSON.parse(
    await collect(nodeOn(SERVER_CORE, ['dist/bench/signing-bound.js'], { BOUND_SECONDS: '2' })),
  ) as Record<string, number>;
}

/**
 * Shared machines drift by tens of percent within minutes, so the run is made of rounds: in
 * each, both servers go through every scenario (which goes first alternates) and the signing
 * bound is measured right after our RS256 client_credentials run, so the two figures the
 * bound target compares are taken side by side. Medians over the rounds are reported.
 */
async function main(): Promise<void> {
  if (!pinned) {
    process.stderr.write(
      'warning: taskset or a second core is missing; processes are not pinned\n',
    );
  }
  const keys = await makeKeys();
  const dir = mkdtempSync(join(tmpdir(), 'op-bench-'));
  const rows: Row[] = [];
  const bounds: Record<string, number>[] = [];
  /** Per round: our RS256 client_credentials throughput over the bound measured just after. */
  const boundShares: number[] = [];
  const database = `op_bench_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${database}`);
  try {
    const only = process.env.BENCH_ONLY; // a part of scenario names, for local work
    const servers = (process.env.BENCH_SERVERS ?? 'ours,theirs').split(',') as (
      'ours' | 'theirs'
    )[];
    const measureBound = process.env.BENCH_SKIP_BOUND !== '1';
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 === 1 ? servers : [...servers].reverse();
      const boundsBefore = bounds.length;
      for (const group of SCENARIOS) {
        const alg = group.alg;
        const scenarios = group.scenarios.filter((s) => !only || s.name.includes(only));
        if (scenarios.length === 0) continue;
        for (const name of order) {
          const server =
            name === 'ours'
              ? await startOurs(alg, database, dir, keys)
              : await startTheirs(alg, keys);
          try {
            for (const scenario of scenarios) {
              await scenario.check?.(server, keys);
              process.stderr.write(`round ${round}/${ROUNDS} ${name}: ${scenario.name} ...\n`);
              const result = await runLoad(await scenario.load(server, keys));
              let row = rows.find((r) => r.scenario === scenario.name);
              if (!row) rows.push((row = { scenario: scenario.name, ours: [], theirs: [] }));
              row[name].push(result);
              if (measureBound && name === 'ours' && scenario.name === RS256_CC) {
                const bound = await signingBound();
                bounds.push(bound);
                boundShares.push(result.requestsPerSecond / bound.RS256);
              }
            }
          } finally {
            await server.stop();
          }
        }
      }
      // Without our RS256 scenario in this run, the bound is measured once per round instead.
      if (measureBound && bounds.length === boundsBefore) bounds.push(await signingBound());
    }

    const lines = [
      ['scenario', 'ours req/s', 'p50', 'p99', 'oidc-provider req/s', 'p50', 'p99', 'ours/theirs'],
    ];
    for (const row of rows) {
      const ratio =
        row.ours.length && row.theirs.length
          ? (
              median(row.ours.map((r) => r.requestsPerSecond)) /
              median(row.theirs.map((r) => r.requestsPerSecond))
            ).toFixed(2)
          : '-';
      lines.push([row.scenario, ...fmt(row.ours), ...fmt(row.theirs), ratio]);
    }
    const bound: Record<string, number> = {};
    for (const alg of Object.keys(bounds[0] ?? {})) bound[alg] = median(bounds.map((b) => b[alg]));
    const es = median(
      rows.find((r) => r.scenario === ES256_CC)?.ours.map((r) => r.requestsPerSecond) ?? [NaN],
    );
    const report = [
      `OpenID Provider vs oidc-provider: ${ROUNDS} rounds of ${WARMUP} s warm-up + ${DURATION} s measured per scenario, ${CONNECTIONS} connections; servers on core ${SERVER_CORE}, load on core ${LOAD_CORE}${pinned ? '' : ' (NOT pinned)'}; medians over the rounds`,
      '',
      table(lines),
      '',
      `Signing bound on one core (SigningService, no HTTP, ${bounds.length} measurements): ${Object.entries(
        bound,
      )
        .map(([alg, n]) => `${alg} ${Math.round(n)}/s`)
        .join(', ')}`,
      `client_credentials RS256 = ${boundShares.length ? (median(boundShares) * 100).toFixed(0) : '-'}% of the RS256 bound measured beside it (per round: ${boundShares.map((x) => `${(x * 100).toFixed(0)}%`).join(', ')}; target 80%)`,
      `client_credentials ES256 = ${Math.round(es)} req/s (target 2000)`,
    ].join('\n');
    console.log(report);
    mkdirSync('bench/results', { recursive: true });
    writeFileSync(
      'bench/results/latest.json',
      JSON.stringify(
        { date: new Date().toISOString(), pinned, rows, bounds, boundShares, report },
        null,
        2,
      ),
    );
  } finally {
    await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
