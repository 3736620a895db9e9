import { defineSettings, text } from '../config/settings.js';
import { parseBuckets, type Bucket } from './buckets.js';

/** The endpoints with limits, by the name their settings carry. */
export const LIMITED_ENDPOINTS = {
  token: 'TOKEN',
  introspection: 'INTROSPECTION',
  revocation: 'REVOCATION',
  par: 'PAR',
  device_authorization: 'DEVICE_AUTHORIZATION',
} as const;
export type LimitedEndpoint = keyof typeof LIMITED_ENDPOINTS;

const BUCKETS = {
  message: 'must be buckets such as 600/1m or 600/1m,10000/1h (periods of at least 1s), or 0',
  checks:
    'Comma-separated `requests/period` buckets, each period at least `1s`; `0` or empty: no limit.',
} as const;

function limit(what: string, per: 'client' | 'address', fallback: string) {
  const who =
    per === 'client'
      ? 'one authenticated client'
      : 'one client address (IPv6: per /64; behind a proxy, set `TRUST_PROXY`)';
  return text({
    checks: BUCKETS.checks,
    default: fallback,
    description: `Requests to ${what} from ${who}: each bucket \`requests/period\` allows that many within each period (windows aligned to the clock, counted in the shared store across instances). Past it, \`429\` with \`Retry-After\`. A request that failed for a server reason (a 5xx) is not counted. \`0\`: no limit.`,
    summary: `Requests to ${what} per ${per} (requests/period buckets, comma-separated; 0: no limit).`,
  });
}

/** Authelia's `server.endpoints.rate_limits`, per endpoint, per client and per client address. */
export const rateLimitSettings = defineSettings({
  id: 'rate-limits',
  title: 'Rate limits',
  settings: {
    RATE_LIMITS_TOKEN_CLIENT: limit('`/token`', 'client', '6000/1m'),
    RATE_LIMITS_TOKEN_ADDRESS: limit('`/token`', 'address', '12000/1m'),
    RATE_LIMITS_INTROSPECTION_CLIENT: limit('`/introspect`', 'client', '30000/1m'),
    RATE_LIMITS_INTROSPECTION_ADDRESS: limit('`/introspect`', 'address', '60000/1m'),
    RATE_LIMITS_REVOCATION_CLIENT: limit('`/revoke`', 'client', '600/1m'),
    RATE_LIMITS_REVOCATION_ADDRESS: limit('`/revoke`', 'address', '1200/1m'),
    RATE_LIMITS_PAR_CLIENT: limit('`/par`', 'client', '600/1m'),
    RATE_LIMITS_PAR_ADDRESS: limit('`/par`', 'address', '1200/1m'),
    RATE_LIMITS_DEVICE_AUTHORIZATION_CLIENT: limit('`/device_authorization`', 'client', '60/1m'),
    RATE_LIMITS_DEVICE_AUTHORIZATION_ADDRESS: limit('`/device_authorization`', 'address', '120/1m'),
  },
  *check(v) {
    for (const [name, value] of Object.entries(v)) {
      if (name.startsWith('RATE_LIMITS_') && parseBuckets(String(value)) === undefined) {
        yield `${name}: ${BUCKETS.message}`;
      }
    }
  },
  config: (v) => {
    const read = (value: string): Bucket[] => parseBuckets(value) ?? [];
    const limits = {} as Record<LimitedEndpoint, { client: Bucket[]; address: Bucket[] }>;
    for (const [endpoint, name] of Object.entries(LIMITED_ENDPOINTS) as [
      LimitedEndpoint,
      string,
    ][]) {
      limits[endpoint] = {
        client: read(v[`RATE_LIMITS_${name}_CLIENT` as keyof typeof v]),
        address: read(v[`RATE_LIMITS_${name}_ADDRESS` as keyof typeof v]),
      };
    }
    return { rateLimits: limits };
  },
});
