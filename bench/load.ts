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
  /** DPoP (RFC 9449): a fresh proof per request, pre-signed like the assertions. */
  dpop?: {
    privateJwk: JWK;
    publicJwk: JWK;
    alg: string;
    htm: string;
    htu: string;
    count: number;
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

async function presignProofs(spec: NonNullable<LoadScenario['dpop']>): Promise<string[]> {
  const key = await importJWK(spec.privateJwk, spec.alg);
  const now = Math.floor(Date.now() / 1000);
  const proofs: string[] = [];
  for (let i = 0; i < spec.count; i++) {
    proofs.push(
      await new SignJWT({ htm: spec.htm, htu: spec.htu, iat: now, jti: randomUUID() })
        .setProtectedHeader({ alg: spec.alg, typ: 'dpop+jwt', jwk: spec.publicJwk })
        .sign(key),
    );
  }
  return proofs;
}

/** What changes per request: a pre-signed body, or a pre-signed DPoP proof. */
interface PerRequest {
  bodies?: string[];
  proofs?: string[];
}

function run(scenario: LoadScenario, seconds: number, each: PerRequest, start = 0) {
  let next = start;
  const { bodies, proofs } = each;
  return autocannon({
    url: scenario.url,
    method: scenario.method,
    headers: scenario.headers,
    body: scenario.body,
    connections: scenario.connections,
    duration: seconds,
    ...((bodies || proofs) && {
      requests: [
        {
          setupRequest: (req: autocannon.Request) => {
            const i = next++;
            return {
              ...req,
              ...(bodies && { body: bodies[i % bodies.length] }),
              ...(proofs && { headers: { ...req.headers, dpop: proofs[i % proofs.length] } }),
            };
          },
        },
      ],
    }),
  }).then((result) => ({ result, used: next - start }));
}

async function main(): Promise<void> {
  const scenario = JSON.parse(process.argv[2]) as LoadScenario;
  const each: PerRequest = {
    bodies: scenario.assertions ? await presign(scenario.assertions) : undefined,
    proofs: scenario.dpop ? await presignProofs(scenario.dpop) : undefined,
  };
  const warm = await run(scenario, scenario.warmupSeconds, each);
  const { result, used } = await run(scenario, scenario.durationSeconds, each, warm.used);
  const pool = each.bodies?.length ?? each.proofs?.length;
  if (pool !== undefined && warm.used + used > pool) {
    throw new Error(`ran out of pre-signed assertions or proofs (${pool}); raise the pool`);
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
