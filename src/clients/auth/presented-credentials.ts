import { InvalidClient } from '../../common/errors/oauth-error.js';
import type { AuthMethod } from '../client-metadata.js';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** The ways a request can carry client credentials; `jwt` covers both assertion methods. */
export type PresentedMethod = Exclude<AuthMethod, 'client_secret_jwt' | 'private_key_jwt'> | 'jwt';

type Body = Record<string, unknown> | undefined;

/** Which credential-bearing methods a request uses; the guard insists on exactly one. */
export function presentedMethods(authorization: string | undefined, body: Body): PresentedMethod[] {
  const methods: PresentedMethod[] = [];
  if (authorization !== undefined && /^basic /i.test(authorization))
    methods.push('client_secret_basic');
  if (body?.client_secret !== undefined) methods.push('client_secret_post');
  if (body?.client_assertion !== undefined || body?.client_assertion_type !== undefined)
    methods.push('jwt');
  if (methods.length === 0 && body?.client_id !== undefined) methods.push('none');
  return methods;
}

/** RFC 6749 §2.3.1 application/x-www-form-urlencoded decoding of each half. */
function formDecode(text: string): string {
  return decodeURIComponent(text.replace(/\+/g, ' '));
}

/**
 * Reads `Authorization: Basic`. The standard and the URL-safe Base64 alphabets are both
 * accepted, padded or not, since real clients send either.
 */
export function parseBasic(authorization: string): { clientId: string; secret: string } {
  const encoded = authorization.slice(6).trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(encoded))
    throw new InvalidClient('Malformed Basic credentials');
  const decoded = Buffer.from(encoded.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString(
    'utf8',
  );
  const colon = decoded.indexOf(':');
  if (colon < 1) throw new InvalidClient('Malformed Basic credentials');
  try {
    return {
      clientId: formDecode(decoded.slice(0, colon)),
      secret: formDecode(decoded.slice(colon + 1)),
    };
  } catch {
    throw new InvalidClient('Malformed Basic credentials');
  }
}
