import { InsufficientScope, InvalidRequest, InvalidToken } from '../common/errors/oauth-error.js';

/**
 * The schemes an access token is presented with: Bearer (RFC 6750), or DPoP with a proof
 * (RFC 9449 §7.1). Which one a token needs is each endpoint's to check (`DpopProofs.atResource`).
 */
export type AccessTokenScheme = 'Bearer' | 'DPoP';

/** Auth-schemes are case-insensitive (RFC 9110 §11.1). */
const SCHEMES: Readonly<Record<string, AccessTokenScheme>> = { bearer: 'Bearer', dpop: 'DPoP' };

/**
 * `<scheme> 1*SP <token68>` (RFC 9110 §11.4; RFC 6750 §2.1's b64token is the same charset),
 * trailing spaces tolerated.
 */
const CREDENTIALS = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) +([A-Za-z0-9\-._~+/]+=*) *$/;

export type PresentedAccessToken =
  | { kind: 'absent' }
  | { kind: 'malformed' }
  | { kind: 'token'; scheme: AccessTokenScheme; token: string };

export interface AccessTokenCarriers {
  /** The Authorization header as Node parsed it (an array only if a caller joined repeats). */
  authorization: string | string[] | undefined;
  /** The parsed body and its media type: given only where `access_token` in a form body is accepted (RFC 6750 §2.2). */
  form?: { body: unknown; contentType: string | undefined };
}

const ABSENT: PresentedAccessToken = Object.freeze({ kind: 'absent' });
const MALFORMED: PresentedAccessToken = Object.freeze({ kind: 'malformed' });

/**
 * The access token a request presents, and with which scheme. Only a request carrying the
 * token more than one way is refused here (RFC 6750 §2: one method only); what an absent or
 * malformed token means is each endpoint's to answer.
 */
export function presentedAccessToken({
  authorization,
  form,
}: AccessTokenCarriers): PresentedAccessToken {
  const inBody = form && formAccessToken(form);
  if (authorization !== undefined && inBody !== undefined)
    throw new InvalidRequest('Send the access token one way only');
  if (inBody !== undefined) {
    return typeof inBody === 'string' && inBody.length > 0
      ? { kind: 'token', scheme: 'Bearer', token: inBody }
      : MALFORMED;
  }
  if (authorization === undefined) return ABSENT;
  if (typeof authorization !== 'string') return MALFORMED;
  const match = CREDENTIALS.exec(authorization);
  const scheme = match && SCHEMES[match[1].toLowerCase()];
  return scheme ? { kind: 'token', scheme, token: match[2] } : MALFORMED;
}

/** RFC 6750 §2.2: `access_token` counts only in an `application/x-www-form-urlencoded` body. */
function formAccessToken({ body, contentType }: NonNullable<AccessTokenCarriers['form']>): unknown {
  if (body === undefined || body === null || typeof body !== 'object') return undefined;
  const inBody = (body as Record<string, unknown>).access_token;
  if (
    inBody !== undefined &&
    !contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded')
  )
    throw new InvalidRequest('access_token may be sent only in a form body');
  return inBody;
}

/** RFC 6750 §3.1: a request without a token is challenged without an error code. */
export const accessTokenRequired = (description: string) =>
  new InvalidToken(description).withChallenge('Bearer');

/** RFC 6750 §3.1: a token that is malformed, invalid, expired, revoked or not meant here. */
export const accessTokenInvalid = (description: string) =>
  new InvalidToken(description).withChallenge('Bearer', { error: 'invalid_token' });

/** RFC 6750 §3.1: a valid token without the scope the resource requires. */
export const accessTokenLacksScope = (scope: string, description: string) =>
  new InsufficientScope(description).withChallenge('Bearer', {
    error: 'insufficient_scope',
    scope,
  });
