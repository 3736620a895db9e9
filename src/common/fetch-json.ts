import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export class FetchJsonError extends Error {}

export interface FetchJsonOptions {
  /** Named in errors, e.g. `sector_identifier_uri`. */
  what: string;
  /**
   * False for URIs a registrant chose: the provider then refuses to reach loopback, private
   * and link-local addresses (server-side request forgery, RFC 7591 §5).
   */
  allowPrivateNetwork: boolean;
  timeoutMs?: number;
  maxBytes?: number;
}

/**
 * Whether an address is anything but plain public unicast, after ipaddr.js's list of special
 * ranges (private, loopback, link-local, carrier-grade NAT, NAT64 64:ff9b::/96, 6to4, Teredo,
 * site-local fec0::/10, documentation, multicast, reserved...). An IPv4-mapped address is
 * judged by its IPv4 address; the deprecated IPv4-compatible ::/96 is refused outright. Not an
 * address at all: refused.
 */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  // The URL parser writes IPv6 in one canonical form (ipaddr.js reads "::1.2.3.4" as mapped).
  const canonical = family === 6 ? new URL(`http://[${address}]/`).hostname.slice(1, -1) : address;
  const parsed = ipaddr.process(canonical);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).parts.slice(0, 6).every((p) => p === 0)) {
    return true;
  }
  return parsed.range() !== 'unicast';
}

/** DNS lookup that refuses private answers, so a public name cannot point inside. */
export function publicOnlyLookup(
  hostname: string,
  options: LookupOptions,
  callback: (
    err: NodeJS.ErrnoException | null,
    address: string | LookupAddress[],
    family?: number,
  ) => void,
): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const list = addresses;
    if (list.length === 0 || list.some((a) => isPrivateAddress(a.address))) {
      return callback(
        Object.assign(new Error('resolves to a private address'), { code: 'EPRIVATE' }),
        [],
      );
    }
    if (options.all) return callback(null, list);
    callback(null, list[0].address, list[0].family);
  });
}

/**
 * Fetches a small JSON document a client named (a JWK Set, a sector identifier list): GET,
 * no redirects, a timeout, a size limit, and no private addresses unless allowed.
 */
export function fetchJson(uri: string, options: FetchJsonOptions): Promise<unknown> {
  const { what, timeoutMs = 3_000, maxBytes = 64 * 1024 } = options;
  const url = new URL(uri);
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  if (!options.allowPrivateNetwork && isIP(literal) && isPrivateAddress(literal)) {
    return Promise.reject(new FetchJsonError(`${what} points to a private address`));
  }
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const signal = AbortSignal.timeout(timeoutMs);
  return new Promise((resolve, reject) => {
    const fail = (message: string) => reject(new FetchJsonError(`${what} ${message}`));
    const req = send(
      url,
      {
        method: 'GET',
        headers: { accept: 'application/json' },
        timeout: timeoutMs,
        signal,
        ...(options.allowPrivateNetwork ? {} : { lookup: publicOnlyLookup }),
      },
      (res: IncomingMessage) => {
        if (res.statusCode !== 200) {
          res.resume();
          return fail(`answered HTTP ${res.statusCode}`);
        }
        if (Number(res.headers['content-length'] ?? 0) > maxBytes) {
          res.destroy();
          return fail('is too large');
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            res.destroy();
            fail('is too large');
          } else chunks.push(chunk);
        });
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          } catch {
            fail('is not JSON');
          }
        });
        res.on('error', () => fail('could not be read'));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPRIVATE') fail('points to a private address');
      else if (signal.aborted || e.message === 'timeout') fail('timed out');
      else fail('could not be fetched');
    });
    req.end();
  });
}
