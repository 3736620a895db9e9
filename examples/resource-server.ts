/**
 * A minimal resource server: how a microservice accepts this provider's access tokens.
 * It verifies each RFC 9068 token offline against the provider's JWKS (fetched once, cached,
 * refetched when an unknown `kid` appears after a key rotation) and checks issuer, audience,
 * type, lifetime and scope. The end-to-end tests run it against a real provider.
 *
 *   ISSUER=https://id.example.org AUDIENCE=https://orders.example SCOPE=orders:read \
 *     node dist/examples/resource-server.js
 */
import { createServer, type Server } from 'node:http';
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';

export interface ResourceServerOptions {
  issuer: string;
  audience: string;
  requiredScope: string;
  /** Defaults to the provider's `/jwks`; read `jwks_uri` from discovery in real deployments. */
  jwksUri?: string;
}

export function createResourceServer(options: ResourceServerOptions): Server {
  const jwks = createRemoteJWKSet(
    new URL(options.jwksUri ?? `${options.issuer.replace(/\/$/, '')}/jwks`),
  );

  return createServer((req, res) => {
    const reply = (status: number, body: unknown, challenge?: string) => {
      res.writeHead(status, {
        'content-type': 'application/json',
        ...(challenge ? { 'www-authenticate': `Bearer realm="orders"${challenge}` } : {}),
      });
      res.end(JSON.stringify(body));
    };
    // RFC 6750 §2.1
    const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/.exec(req.headers.authorization ?? '');
    if (!match) return reply(401, { error: 'invalid_request' }, '');

    jwtVerify(match[1], jwks, {
      issuer: options.issuer,
      audience: options.audience,
      typ: 'at+jwt', // RFC 9068 §4: refuse ID tokens and other JWTs
      algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
      requiredClaims: ['exp', 'iat', 'jti', 'client_id', 'sub'],
    }).then(
      ({ payload }) => {
        const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
        if (!scopes.includes(options.requiredScope)) {
          return reply(
            403,
            { error: 'insufficient_scope' },
            `, error="insufficient_scope", scope="${options.requiredScope}"`,
          );
        }
        reply(200, { client_id: payload.client_id, sub: payload.sub, scope: payload.scope });
      },
      (e: unknown) => {
        const description =
          e instanceof errors.JWTExpired
            ? 'The access token expired'
            : 'The access token is invalid';
        reply(
          401,
          { error: 'invalid_token', error_description: description },
          `, error="invalid_token"`,
        );
      },
    );
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { ISSUER, AUDIENCE, SCOPE, PORT } = process.env;
  if (!ISSUER || !AUDIENCE || !SCOPE) {
    process.stderr.write('Set ISSUER, AUDIENCE and SCOPE\n');
    process.exit(64);
  }
  createResourceServer({ issuer: ISSUER, audience: AUDIENCE, requiredScope: SCOPE }).listen(
    Number(PORT ?? 9100),
  );
}
