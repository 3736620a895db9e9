import { defineSettings, duration, oneOf } from '../config/settings.js';
import { SUPPORTED_SIGNING_ALGS } from '../keys/keys.settings.js';

/**
 * Token lifespans, the access tokens' algorithm and refresh-token families. That the algorithm
 * is one of SIGNING_ALGS, and that KEY_RETENTION_PERIOD covers the JWT lifespans, are checks
 * across modules: `loadConfig`'s.
 */
export const tokenSettings = defineSettings({
  id: 'token',
  title: 'Tokens',
  settings: {
    ACCESS_TOKEN_SIGNING_ALG: oneOf(SUPPORTED_SIGNING_ALGS, {
      default: 'RS256',
      message: `ACCESS_TOKEN_SIGNING_ALG must be one of ${SUPPORTED_SIGNING_ALGS.join(', ')}`,
      description:
        'Algorithm of the RFC 9068 JWT access tokens. ES256 and EdDSA sign about fifteen times faster than RS256.',
      summary:
        "Algorithm of the RFC 9068 JWT access tokens: one of SIGNING_ALGS. ES256 and EdDSA sign about fifteen times faster than RS256; every resource server's JWT library must support it.",
      checks: 'One of `SIGNING_ALGS`.',
    }),
    ACCESS_TOKEN_LIFESPAN: duration({
      default: '1h',
      description: 'Lifetime of access tokens (JWT).',
      checks: 'A positive duration, at most `KEY_RETENTION_PERIOD`.',
    }),
    ID_TOKEN_LIFESPAN: duration({
      default: '1h',
      description: 'Lifetime of ID tokens.',
      checks: 'A positive duration, at most `KEY_RETENTION_PERIOD`.',
    }),
    AUTHORIZE_CODE_LIFESPAN: duration({
      default: '1m',
      description: 'Lifetime of authorization codes.',
      checks: 'A positive duration.',
    }),
    REFRESH_TOKEN_LIFESPAN: duration({
      default: '90m',
      description:
        "Idle lifetime of refresh tokens: each rotation starts it again, up to the family's end. A client's `lifespans.refresh_token` overrides it.",
      checks: 'A positive duration.',
    }),
    REFRESH_TOKEN_FAMILY_LIFESPAN: duration({
      default: '30d',
      description:
        "The absolute end of a refresh-token family (every token rotated from one sign-in), however often it is used. A client's `lifespans.refresh_token_family` overrides it.",
      summary:
        'The absolute end of a refresh-token family, and the window in which a rotated one still works.',
      checks: 'A positive duration.',
    }),
    REFRESH_TOKEN_REUSE_GRACE: duration({
      default: '0s',
      description:
        'For this long after a rotation, a reuse of the old token gets a fresh rotation of the same grant. Any other reuse revokes the whole family with its access tokens (RFC 9700 §4.14); see below.',
      checks: 'A duration; `0s`: never.',
    }),
  },
  *check(v) {
    for (const name of [
      'ACCESS_TOKEN_LIFESPAN',
      'ID_TOKEN_LIFESPAN',
      'AUTHORIZE_CODE_LIFESPAN',
      'REFRESH_TOKEN_LIFESPAN',
    ] as const) {
      if (v[name] <= 0) yield `${name} must be longer than 0`;
    }
  },
  config: (v) => ({
    lifespans: {
      accessToken: v.ACCESS_TOKEN_LIFESPAN,
      idToken: v.ID_TOKEN_LIFESPAN,
      authorizeCode: v.AUTHORIZE_CODE_LIFESPAN,
      refreshToken: v.REFRESH_TOKEN_LIFESPAN,
    },
    accessTokenSigningAlg: v.ACCESS_TOKEN_SIGNING_ALG,
    refreshTokens: {
      familyLifespan: v.REFRESH_TOKEN_FAMILY_LIFESPAN,
      reuseGrace: v.REFRESH_TOKEN_REUSE_GRACE,
    },
  }),
});
