import { isIP } from 'node:net';

/** proxy-addr's names for address ranges (Fastify's `trustProxy` takes them too). */
const RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * TRUST_PROXY: which peers may tell the client's address in `X-Forwarded-For` (and the scheme
 * and host in `X-Forwarded-*`). Empty: none, the TCP peer is the client. Otherwise a
 * comma-separated list of addresses, CIDR ranges or the names loopback, linklocal and
 * uniquelocal. Trusting every peer, or a hop count (which cannot check who the peer is),
 * would let any client pick the address its failed logins are counted against: refused.
 */
export function parseTrustProxy(
  value: string,
): { trustProxy: string[] | undefined } | { problem: string } {
  const raw = value.trim();
  if (raw === '' || raw === 'false') return { trustProxy: undefined };
  const entries = raw.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    if (RANGE_NAMES.includes(entry)) continue;
    const [address, prefix, extra] = entry.split('/');
    const version = isIP(address);
    const bits = version === 4 ? 32 : 128;
    const validPrefix =
      prefix === undefined ||
      (/^\d{1,3}$/.test(prefix) && Number(prefix) >= 1 && Number(prefix) <= bits);
    if (version === 0 || extra !== undefined || !validPrefix) {
      return {
        problem: `TRUST_PROXY: "${entry.slice(0, 60)}" is not an address, a CIDR range with a prefix of at least 1, or one of ${RANGE_NAMES.join(', ')} (trusting every peer, or a hop count, is refused)`,
      };
    }
  }
  return { trustProxy: entries };
}
