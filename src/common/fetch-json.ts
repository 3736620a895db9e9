import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';

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

const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 127],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6');
}

export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1], 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
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
