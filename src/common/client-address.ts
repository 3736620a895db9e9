import { isIPv4, isIPv6 } from 'node:net';
import { sha256 } from './digest.js';

/** A store key part for a client address's unit: its digest, never the address itself. */
export function addressKey(address: unknown): string {
  return sha256(addressUnit(address));
}

/**
 * The unit a client address is counted in for login and registration limits: an IPv4 address, or the /64 of an
 * IPv6 address (one host usually holds a whole /64, so counting single IPv6 addresses would
 * let it rotate through billions). IPv4-mapped IPv6 counts as IPv4. Anything else (no address,
 * a name) is counted as itself, bounded in length.
 */
export function addressUnit(address: unknown): string {
  if (typeof address !== 'string' || address.length === 0) return 'unknown';
  let a = address.trim().toLowerCase();
  if (a.length > 100) return 'malformed';
  if (a.startsWith('[') && a.endsWith(']')) a = a.slice(1, -1);
  const zone = a.indexOf('%');
  if (zone >= 0) a = a.slice(0, zone);
  if (isIPv4(a)) return a;
  if (a.startsWith('::ffff:') && isIPv4(a.slice(7))) return a.slice(7);
  if (isIPv6(a)) return `${ipv6Prefix64(a)}::/64`;
  return `other:${a}`;
}

/** The first four groups of a valid IPv6 address, without leading zeros. */
function ipv6Prefix64(a: string): string {
  const double = a.indexOf('::');
  let groups: string[];
  if (double < 0) {
    groups = a.split(':');
  } else {
    const head = a.slice(0, double).split(':').filter(Boolean);
    const tail = a
      .slice(double + 2)
      .split(':')
      .filter(Boolean);
    // An embedded IPv4 address takes two groups.
    const tailGroups = tail.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
    groups = [...head, ...Array<string>(8 - head.length - tailGroups).fill('0'), ...tail];
  }
  return groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':');
}
