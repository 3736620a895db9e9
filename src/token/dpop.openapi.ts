import { ApiHeader } from '@nestjs/swagger';
import { DPOP_SIGNING_ALGS } from './dpop.js';

/** The security scheme name of DPoP-bound access tokens in the OpenAPI document. */
export const DPOP_SECURITY = 'DPoP';

/** The OpenAPI security scheme: `Authorization: DPoP <token>` with a proof (RFC 9449 §7.1). */
export const DPOP_SECURITY_SCHEME = {
  type: 'http' as const,
  scheme: 'DPoP',
  description: `A DPoP-bound access token (RFC 9449 §7.1: its cnf.jkt names a key), as Authorization: DPoP <token>, with a DPoP header: a proof signed by that key for this request, with ath. A bound token is refused as Bearer. Proof algorithms: ${DPOP_SIGNING_ALGS.join(', ')}.`,
};

/** RFC 9449 §4: the optional `DPoP` request header, at /token or with a bound token. */
export const ApiDpopHeader = (use: 'token' | 'resource') =>
  ApiHeader({
    name: 'DPoP',
    required: false,
    description:
      use === 'token'
        ? 'RFC 9449 §4: a DPoP proof (a JWS of typ dpop+jwt with the public jwk, htm POST, htu this endpoint, iat, a unique jti). The access token is then bound to its key (cnf.jkt, token_type DPoP), and so is a public client’s refresh token. Required for clients registered with dpop_bound_access_tokens.'
        : 'RFC 9449 §7.1: with Authorization: DPoP <token>, a proof by the key the token is bound to, for this method and URL, with ath = base64url(SHA-256(token)). Each proof is good once.',
    schema: { type: 'string' },
  });
