import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { isPrivateAddress, publicOnlyLookup } from './fetch-json.js';

export interface PostFormOptions {
  /**
   * False for URIs a registrant chose in production: loopback, private and link-local
   * addresses are refused (server-side request forgery, RFC 7591 §5).
   */
  allowPrivateNetwork: boolean;
  timeoutMs: number;
  /** Of the response body, read and thrown away; more ends the read (the status stands). */
  maxBytes?: number;
}

/**
 * What a POST came to: the status the server answered, or why there is none (`timeout`,
 * `private address`, `network error`). Never throws.
 */
export type PostFormOutcome = { status: number } | { error: string };

/**
 * POSTs an `application/x-www-form-urlencoded` body to a URI a client registered: no
 * redirects followed (a 3xx is just a status), one timeout for the whole exchange, the
 * response body ignored beyond `maxBytes`, and no private addresses unless allowed.
 */
export function postForm(
  uri: string,
  form: Record<string, string>,
  options: PostFormOptions,
): Promise<PostFormOutcome> {
  const { timeoutMs, maxBytes = 4 * 1024 } = options;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return Promise.resolve({ error: 'invalid URI' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return Promise.resolve({ error: 'not an http(s) URI' });
  }
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  if (!options.allowPrivateNetwork && isIP(literal) && isPrivateAddress(literal)) {
    return Promise.resolve({ error: 'private address' });
  }
  const body = Buffer.from(new URLSearchParams(form).toString(), 'utf8');
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const signal = AbortSignal.timeout(timeoutMs);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: PostFormOutcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    const req = send(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': String(body.length),
          accept: '*/*',
        },
        timeout: timeoutMs,
        signal,
        ...(options.allowPrivateNetwork ? {} : { lookup: publicOnlyLookup }),
      },
      (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            finish({ status });
            res.destroy();
          }
        });
        res.on('end', () => finish({ status }));
        res.on('error', () => finish({ status }));
        res.on('close', () => finish({ status }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPRIVATE') finish({ error: 'private address' });
      else if (signal.aborted || e.message === 'timeout') finish({ error: 'timeout' });
      else finish({ error: `network error ${e.code ?? ''}`.trim() });
    });
    req.end(body);
  });
}
