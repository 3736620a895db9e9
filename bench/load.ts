/**
 * The load generator, run as its own process on its own core by bench/run.ts. Reads one
 * scenario as JSON from argv[2], warms up, measures, and prints the figures as JSON.
 */
import autocannon from 'autocannon';
import { importJWK, SignJWT, type JWK } from 'jose';
import { randomUUID } from 'node:crypto';

export interface LoadScenario {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** private_key_jwt: a fresh assertion per request, pre-signed so signing never slows the load. */
  assertions?: {
    clientId: string;
    audience: string;
    privateJwk: JWK;
    alg: string;
    count: number;
    form: string;
  };
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
}

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  total: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

async function presign(spec: NonNullable<LoadScenario['assertions']>): Promise<string[]> {
  const key = await importJWK(spec.privateJwk, spec.alg);
  const now = Math.floor(Date.now() / 1000);
  const bodies: string[] = [];
  for (let i = 0; i < spec.count; i++) {
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: spec.alg, kid: spec.privateJwk.kid })
      .setIssuer(spec.clientId)
      .setSubject(spec.clientId)
      .setAudience(spec.audience)
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .setJti(randomUUID())
      .sign(key);
    bodies.push(
      `${spec.form}&client_assertion_type=${encodeURIComponent('urn:ietf:params:oauth:client-assertion-type:jwt-bearer')}&client_assertion=${assertion}`,
    );
  }
  return bodies;
}

function run(scenario: LoadScenario, seconds: number, bodies?: string[], start = 0) {
  let next = start;
  return autocannon({
    url: scenario.url,
    method: scenario.method,
    headers: scenario.headers,
    body: scenario.body,
    connections: scenario.connections,
    duration: seconds,
    ...(bodies && {
      requests: [
        {
          setupRequest: (req: autocannon.Request) => ({
            ...req,
            body: bodies[next++ % bodies.length],
          }),
        },
      ],
    }),
  }).then((result) => ({ result, used: next - start }));
}

async function main(): Promise<void> {
  const scenario = JSON.parse(process.argv[2]) as LoadScenario;
  const bodies = scenario.assertions ? await presign(scenario.assertions) : undefined;
  const warm = await run(scenario, scenario.warmupSeconds, bodies);
  const { result, used } = await run(scenario, scenario.durationSeconds, bodies, warm.used);
  if (bodies && warm.used + used > bodies.length) {
    throw new Error(`ran out of pre-signed assertions (${bodies.length}); raise the pool`);
  }
  const out: LoadResult = {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
  process.stdout.write(JSON.stringify(out));
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
