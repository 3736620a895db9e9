import { InvalidRequest } from '../common/errors/oauth-error.js';

/** One requested claim (Core §5.5.1): null, or its options. */
export interface ClaimRequest {
  essential?: boolean;
  value?: unknown;
  values?: unknown[];
}

/** The `claims` request parameter (Core §5.5), normalised: null members become `{}`. */
export interface ClaimsRequest {
  userinfo?: Record<string, ClaimRequest>;
  id_token?: Record<string, ClaimRequest>;
}

const MAX_TEXT = 8192;
const MAX_CLAIMS = 100;
const CLAIM_NAME = /^[\x21-\x7E]{1,100}$/;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parses Core §5.5 `claims`: a JSON object whose `userinfo` and `id_token` members map claim
 * names to null or to `{essential, value, values}`. Other members are ignored, as Core allows;
 * anything malformed is `invalid_request`.
 */
export function parseClaimsRequest(text: string): ClaimsRequest {
  if (text.length > MAX_TEXT)
    throw new InvalidRequest(`claims must be at most ${MAX_TEXT} characters`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidRequest('claims is not valid JSON');
  }
  if (!isObject(parsed)) throw new InvalidRequest('claims must be a JSON object');
  const result: ClaimsRequest = {};
  for (const target of ['userinfo', 'id_token'] as const) {
    const members = parsed[target];
    if (members === undefined || members === null) continue;
    if (!isObject(members)) throw new InvalidRequest(`claims.${target} must be an object`);
    const entries = Object.entries(members);
    if (entries.length > MAX_CLAIMS)
      throw new InvalidRequest(`claims.${target} may name at most ${MAX_CLAIMS} claims`);
    const claims: Record<string, ClaimRequest> = Object.create(null) as Record<
      string,
      ClaimRequest
    >;
    for (const [name, options] of entries) {
      if (!CLAIM_NAME.test(name))
        throw new InvalidRequest(`claims.${target} names an invalid claim`);
      claims[name] = readOptions(options, `claims.${target}.${name}`);
    }
    result[target] = claims;
  }
  return result;
}

function readOptions(options: unknown, path: string): ClaimRequest {
  if (options === null) return {};
  if (!isObject(options)) throw new InvalidRequest(`${path} must be null or an object`);
  const request: ClaimRequest = {};
  if (options.essential !== undefined) {
    if (typeof options.essential !== 'boolean')
      throw new InvalidRequest(`${path}.essential must be a boolean`);
    request.essential = options.essential;
  }
  if (options.value !== undefined) request.value = options.value;
  if (options.values !== undefined) {
    if (!Array.isArray(options.values)) throw new InvalidRequest(`${path}.values must be an array`);
    request.values = options.values;
  }
  return request;
}

/** A request kept as JSON, with its claim maps free of a prototype again, as parsed. */
export function restoredClaimsRequest(kept: ClaimsRequest): ClaimsRequest {
  const result: ClaimsRequest = {};
  for (const target of ['userinfo', 'id_token'] as const) {
    const members = kept[target];
    if (members !== undefined)
      result[target] = Object.assign(Object.create(null) as Record<string, ClaimRequest>, members);
  }
  return result;
}

/** The names of the claims requested for one target. */
export function requestedClaims(claims: ClaimsRequest, target: keyof ClaimsRequest): string[] {
  return Object.keys(claims[target] ?? {});
}
