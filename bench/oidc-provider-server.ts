/**
 * oidc-provider (npm), configured like the provider for the benchmark's scenarios: the same
 * clients, client_credentials with RFC 9068 JWT access tokens for the same resource, signed
 * with the same algorithm. Started by bench/run.ts on the server's core; settings in
 * BENCH_OIDC_PROVIDER (JSON).
 */
import Provider, { errors } from 'oidc-provider';
import { createLocalJWKSet, jwtVerify, type JWK } from 'jose';

export interface TheirSettings {
  port: number;
  alg: 'RS256' | 'ES256';
  resource: string;
  scope: string;
  secret: string;
  /** Private signing keys, one per algorithm. */
  keys: JWK[];
  pkjwtPublicJwk: JWK;
  /** The audience the token-exchange scenario asks for. */
  exchangeAudience: string;
}

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

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
      grant_types: ['client_credentials', TOKEN_EXCHANGE],
      client_id: 'bench-exchanger',
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
  // The exchange grant's `act` (below) as the token's extra claims; no other token has any.
  extraTokenClaims: (_ctx, token) => (token as { extra?: Record<string, unknown> }).extra,
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

/**
 * RFC 8693 is not built into oidc-provider: a token-exchange grant of the same shape as ours
 * for the benchmark (delegation, the subject and actor tokens its own JWT access tokens, checked
 * with its keys; the new JWT for another audience with `act`), so both rows do the same work.
 */
const publicKeys = createLocalJWKSet({
  keys: s.keys.map(({ d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub }) => pub),
});
const verifyOwn = async (token: unknown) => {
  if (typeof token !== 'string') throw new errors.InvalidRequest('a token is missing');
  try {
    return (await jwtVerify(token, publicKeys, { issuer, typ: 'at+jwt' })).payload;
  } catch {
    throw new errors.InvalidGrant('the token is invalid or expired');
  }
};
provider.registerGrantType(
  TOKEN_EXCHANGE,
  async (ctx) => {
    const params = ctx.oidc.params as Record<string, string | undefined>;
    const client = ctx.oidc.client;
    if (
      params.subject_token_type !== ACCESS_TOKEN_TYPE ||
      params.actor_token_type !== ACCESS_TOKEN_TYPE
    )
      throw new errors.InvalidRequest('unsupported token type');
    const [subject, actor] = await Promise.all([
      verifyOwn(params.subject_token),
      verifyOwn(params.actor_token),
    ]);
    if (subject.client_id !== client.clientId || actor.client_id !== client.clientId)
      throw new errors.InvalidGrant('the tokens were not issued to this client');
    if (params.audience !== s.exchangeAudience) throw new errors.InvalidTarget('unknown audience');
    const token = new provider.ClientCredentials({ client, scope: subject.scope as string });
    token.resourceServer = {
      audience: s.exchangeAudience,
      scope: s.scope,
      accessTokenTTL: 3600,
      accessTokenFormat: 'jwt',
      jwt: { sign: { alg: s.alg } },
      identifier: () => s.exchangeAudience,
      get scopes() {
        return new Set([s.scope]);
      },
    } as never;
    token.extra = { act: { sub: actor.sub } };
    const value = await token.save();
    ctx.body = {
      access_token: value,
      issued_token_type: ACCESS_TOKEN_TYPE,
      token_type: 'Bearer',
      expires_in: token.expiration,
      scope: token.scope,
    };
  },
  ['subject_token', 'subject_token_type', 'actor_token', 'actor_token_type', 'audience'],
);

provider.listen(s.port, '127.0.0.1');
