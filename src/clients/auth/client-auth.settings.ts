import { defineSettings, duration, flag, integer, oneOf } from '../../config/settings.js';

/**
 * Client authentication at the token, introspection and revocation endpoints: limits on
 * failures (client-auth-regulation.ts), after the REGULATION_* settings, and what a client
 * assertion may be (client-authenticator.ts).
 */
export const clientAuthSettings = defineSettings({
  id: 'client-auth',
  title: 'Client authentication',
  settings: {
    CLIENT_REGULATION_MAX_RETRIES: integer({
      min: 0,
      max: 1_000_000,
      default: 10,
      description:
        'After this many failed authentications of one client within `CLIENT_REGULATION_FIND_TIME`, slow secret checks for it stop for `CLIENT_REGULATION_BAN_TIME` and answer `429` with `Retry-After`. `0`: off.',
      summary:
        'Failed client authentications per client / per client address within CLIENT_REGULATION_FIND_TIME before slow secret checks stop for CLIENT_REGULATION_BAN_TIME (429 + Retry-After). 0: off.',
    }),
    CLIENT_REGULATION_ADDRESS_MAX_FAILURES: integer({
      min: 0,
      max: 1_000_000,
      default: 50,
      description:
        'The same per client address (any client id, unknown ones included; IPv6 per /64; behind a proxy set `TRUST_PROXY`). `0`: off.',
    }),
    CLIENT_REGULATION_FIND_TIME: duration({
      default: '2m',
      description: 'The window over which failures are counted.',
      checks: 'A duration, at least `1s`, not longer than the ban.',
    }),
    CLIENT_REGULATION_BAN_TIME: duration({
      default: '5m',
      description: 'How long a ban lasts.',
      checks: 'A duration, at least `1s`.',
    }),
    ENABLE_CLIENT_DEBUG_MESSAGES: flag({
      default: 'false',
      description:
        "`true`: the reason a client authentication failed is in the answer's `error_description` (it is always logged). For integrating only.",
      summary:
        'true: why a client authentication failed, in the answer (always logged). For integrating only.',
      checks: '`true`, `false`.',
    }),
    CLIENT_ASSERTION_MAX_LIFESPAN: duration({
      default: '1h',
      description: "The furthest ahead a client assertion's `exp` may be.",
      summary: "Furthest ahead a client assertion's exp may be (10s-24h).",
      checks: 'A duration, `10s`–`24h`.',
    }),
    CLIENT_ASSERTION_AUDIENCE: oneOf(['compatible', 'strict'], {
      default: 'compatible',
      message: 'CLIENT_ASSERTION_AUDIENCE must be compatible or strict',
      description:
        '`compatible`: `aud` may be the issuer, the token endpoint or the endpoint called (arrays only of these). `strict`: only the issuer, as a single string (FAPI 2.0).',
      summary:
        'compatible: aud may be the issuer, the token endpoint or the endpoint called; strict: the issuer only.',
      checks: '`compatible`, `strict`.',
    }),
  },
  *check(v) {
    if (v.CLIENT_REGULATION_MAX_RETRIES > 0 || v.CLIENT_REGULATION_ADDRESS_MAX_FAILURES > 0) {
      if (v.CLIENT_REGULATION_FIND_TIME < 1000) {
        yield 'CLIENT_REGULATION_FIND_TIME must be at least 1s';
      }
      if (v.CLIENT_REGULATION_BAN_TIME < 1000)
        yield 'CLIENT_REGULATION_BAN_TIME must be at least 1s';
      if (v.CLIENT_REGULATION_FIND_TIME > v.CLIENT_REGULATION_BAN_TIME) {
        yield 'CLIENT_REGULATION_FIND_TIME must not be longer than CLIENT_REGULATION_BAN_TIME';
      }
    }
    if (v.CLIENT_ASSERTION_MAX_LIFESPAN < 10_000 || v.CLIENT_ASSERTION_MAX_LIFESPAN > 86_400_000) {
      yield 'CLIENT_ASSERTION_MAX_LIFESPAN must be from 10s to 24h';
    }
  },
  config: (v) => ({
    clientRegulation: {
      maxRetries: v.CLIENT_REGULATION_MAX_RETRIES,
      addressMaxFailures: v.CLIENT_REGULATION_ADDRESS_MAX_FAILURES,
      findTime: v.CLIENT_REGULATION_FIND_TIME,
      banTime: v.CLIENT_REGULATION_BAN_TIME,
    },
    clientAuth: {
      debugMessages: v.ENABLE_CLIENT_DEBUG_MESSAGES,
      assertionMaxLifespan: v.CLIENT_ASSERTION_MAX_LIFESPAN,
      assertionAudience: v.CLIENT_ASSERTION_AUDIENCE,
    },
  }),
});
