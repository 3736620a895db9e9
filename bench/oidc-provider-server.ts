/**
 * oidc-provider (npm), configured like the provider for the benchmark's scenarios: the same
 * clients, client_credentials with RFC 9068 JWT access tokens for the same resource, signed
 * with the same algorithm. Started by bench/run.ts on the server's core; settings in
 * BENCH_OIDC_PROVIDER (JSON).
 */
import Provider from 'oidc-provider';
import type { JWK } from 'jose';

export interface TheirSettings {
  port: number;
  alg: 'RS256' | 'ES256';
  resource: string;
  scope: string;
  secret: string;
  /** Private signing keys, one per algorithm. */
  keys: JWK[];
  pkjwtPublicJwk: JWK;
}

const s = JSON.parse(process.env.BENCH_OIDC_PROVIDER ?? '{}') as TheirSettings;
const issuer = `http://127.0.0.1:${s.port}`;
const machine = {
  grant_types: ['client_credentials'],
  redirect_uris: [],
  response_types: [],
};

const provider = new Provider(issuer, {
  clients: [
    {
      ...machine,
      client_id: 'bench-basic',
      client_secret: s.secret,
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      ...machine,
      client_id: 'bench-pkjwt',
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks: { keys: [s.pkjwtPublicJwk] },
    },
    // Asks for opaque tokens (no resource): oidc-provider cannot introspect JWT access tokens.
    {
      ...machine,
      client_id: 'bench-opaque',
      client_secret: s.secret,
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      ...machine,
      client_id: 'bench-introspector',
      client_secret: s.secret,
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: s.keys },
  scopes: [s.scope],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: (ctx) =>
        ctx.oidc.client?.clientId === 'bench-opaque' ? undefined : s.resource,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: s.scope,
        audience: s.resource,
        accessTokenTTL: 3600,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: s.alg } },
      }),
    },
  },
});

provider.listen(s.port, '127.0.0.1');
