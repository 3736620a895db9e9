/** The authentication schemes this server challenges with (RFC 9110 §11.6.1). */
export type ChallengeScheme = 'Basic' | 'Bearer' | 'DPoP';

/** The auth-params of a challenge (RFC 7617 §2, RFC 6750 §3, RFC 9449 §7.1). */
export interface ChallengeParams {
  realm?: string;
  error?: string;
  error_description?: string;
  scope?: string;
  /** RFC 9449 §7.1: the DPoP proof algorithms accepted, space-separated. */
  algs?: string;
}

/** RFC 6750 §3 lists realm first; the rest keep the order of its examples. */
const PARAM_ORDER = ['realm', 'error', 'error_description', 'scope', 'algs'] as const;

/**
 * A `WWW-Authenticate` value: the scheme alone without params (RFC 6750 §3.1: no error code
 * when the request carried no credentials), otherwise `name="value"` pairs.
 */
export function challenge(scheme: ChallengeScheme, params: ChallengeParams = {}): string {
  const pairs = PARAM_ORDER.filter((name) => params[name] !== undefined).map(
    (name) => `${name}="${quoted(params[name]!)}"`,
  );
  return pairs.length === 0 ? scheme : `${scheme} ${pairs.join(', ')}`;
}

/**
 * RFC 9110 §5.6.4 quoted-string content: `"` and `\` escaped; characters a field value may not
 * carry (controls, non-ASCII) dropped, so no value can end the header or split it in two.
 */
function quoted(value: string): string {
  return value.replace(/[^\t\x20-\x7e]/g, '').replace(/["\\]/g, '\\$&');
}
