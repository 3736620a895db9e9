import { createPublicKey } from 'node:crypto';
import type { JWK } from 'jose';
import { parseDuration } from '../common/duration.js';
import { InvalidClientMetadata, InvalidRedirectUri } from '../common/errors/oauth-error.js';
import { spacedList } from '../common/scopes.js';
import { SUPPORTED_SIGNING_ALGS, type SigningAlg } from '../config/environment.js';
import { declaredGrantTypes } from '../token/grants/grant.js';
// Defines the served grants, which declare their types, wherever this validator runs.
import '../token/grants/served-grants.js';
import { ACCESS_TOKEN_TYPE_URI, EXCHANGEABLE_TOKEN_TYPES } from '../token/token-types.js';
import { redirectSector } from '../users/subjects.js';
import {
  ADMIN_SCOPE,
  AUTH_METHODS,
  CLIENT_SECRET_JWT_ALGS,
  PRIVATE_KEY_JWT_ALGS,
  type AuthMethod,
  type ClientMetadata,
  type MetadataSource,
} from './client-metadata.js';

export interface ValidateOptions {
  /** RFC 7592 update: the operator settings a registrant cannot touch are kept from here. */
  previous?: ClientMetadata;
  /** The algorithms the provider holds keys for; ID token and UserInfo algs must be among them. */
  signingAlgs?: readonly SigningAlg[];
}

/** Authelia's default scopes; a dynamically registered client also gets address and phone. */
const DEFAULT_SCOPE = 'openid profile email groups';
const DEFAULT_REGISTRATION_SCOPE = 'openid profile email address phone groups';

const MAX_URI = 2_000;
const MAX_LIST = 50;
const MAX_JWKS_KEYS = 20;
const MAX_LIFESPAN_MS = 366 * 86_400_000;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
/** RFC 6749 §3.3 scope-token. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]{1,200}$/;
/** Members that make a JWK private (RFC 7518 §6.2.2, §6.3.2, §6.4.1; RFC 8037 §2). */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const LIFESPAN_NAMES = [
  'access_token',
  'id_token',
  'refresh_token',
  'refresh_token_family',
  'authorize_code',
] as const;

/**
 * The one validator of client metadata, for the admin API, dynamic registration (OpenID
 * Connect DCR 1.0 §2, RFC 7591 §2) and the static clients file. Returns the metadata
 * normalised with every default applied, or throws `invalid_redirect_uri` /
 * `invalid_client_metadata` with a description naming the field. Unknown members are ignored
 * (RFC 7591 §2); operator settings are ignored when a registrant sends them.
 */
export function validateClientMetadata(
  input: unknown,
  source: MetadataSource,
  options: ValidateOptions = {},
): ClientMetadata {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidClientMetadata('The client metadata must be a JSON object');
  }
  const read = new Reader(input as Record<string, unknown>);
  const signingAlgs = options.signingAlgs ?? SUPPORTED_SIGNING_ALGS;
  const registrant = source === 'registration';

  // RFC 7591 §3.2.2: a grant type the provider does not serve is invalid_client_metadata.
  const grantTypes = read.enumList('grant_types', declaredGrantTypes()) ?? ['authorization_code'];
  if (grantTypes.length === 0) fail('grant_types must not be empty');
  // refresh_token without authorization_code, or response_types code without it, is valid
  // but unused: refresh tokens and /authorize need the code grant, which decides (RFC 7591 §2.1).
  const usesCode = grantTypes.includes('authorization_code');

  // Only the code flow: implicit and hybrid are left out on purpose (RFC 9700 §2.1.2).
  const responseTypes = read.stringList('response_types') ?? (usesCode ? ['code'] : []);
  for (const type of responseTypes) {
    if (type !== 'code') fail(`response_types: only code is supported, not ${clip(type)}`);
  }
  if (usesCode && responseTypes.length === 0) {
    fail('response_types must include code for the authorization_code grant type');
  }

  const applicationType = read.oneOf('application_type', ['web', 'native'] as const) ?? 'web';
  const redirectUris = read.uriList('redirect_uris', (uri, field) =>
    checkRedirectUri(uri, field, applicationType, InvalidRedirectUri),
  );
  if (usesCode && (!redirectUris || redirectUris.length === 0)) {
    throw new InvalidRedirectUri('redirect_uris is required for the authorization_code grant');
  }

  // Who may hold a secret: registrants say so through the method, operators also by `public`.
  const method = read.oneOf('token_endpoint_auth_method', AUTH_METHODS);
  const isPublic = registrant ? method === 'none' : (read.boolean('public') ?? method === 'none');
  if (isPublic && method !== undefined && method !== 'none') {
    fail(`token_endpoint_auth_method must be none for a public client, not ${method}`);
  }
  if (!isPublic && method === 'none') fail('token_endpoint_auth_method none needs public: true');
  const authMethod: AuthMethod = method ?? (isPublic ? 'none' : 'client_secret_basic');
  if (authMethod === 'none' && grantTypes.includes('client_credentials')) {
    fail('grant_types: client_credentials is only for confidential clients (RFC 6749 §4.4)');
  }

  const jwks = read.jwks('jwks');
  const jwksUri = read.uri('jwks_uri', (uri, field) => checkFetchedUri(uri, field));
  if (jwks && jwksUri) fail('jwks and jwks_uri must not both be given');
  if (authMethod === 'private_key_jwt' && !jwks && !jwksUri) {
    fail('token_endpoint_auth_method private_key_jwt needs jwks or jwks_uri');
  }
  const authSigningAlg = tokenEndpointSigningAlg(read, authMethod);
  // RFC 9701 §6: introspection answers are signed; encrypting them is not offered (discovery
  // lists no introspection_encryption_*), and a client asking for it must not be left unaware.
  for (const field of [
    'introspection_encrypted_response_alg',
    'introspection_encrypted_response_enc',
  ])
    if (read.has(field))
      fail(`${field} is not supported: introspection answers are signed, not encrypted`);

  const scope = read.scope() ?? (registrant ? DEFAULT_REGISTRATION_SCOPE : DEFAULT_SCOPE);
  if (registrant && spacedList(scope).includes(ADMIN_SCOPE)) {
    // Anyone may register when registration is open: the admin scope is the operator's to give.
    fail(`scope ${ADMIN_SCOPE} cannot be registered; an operator grants it`);
  }
  const subjectType = read.oneOf('subject_type', ['public', 'pairwise'] as const) ?? 'public';
  const sectorIdentifierUri = read.uri('sector_identifier_uri', checkFetchedUri);
  if (subjectType === 'pairwise' && !sectorIdentifierUri) {
    // Core §8.1: several redirect hosts (or native-app schemes) need a sector identifier.
    const sectors = new Set((redirectUris ?? []).map(redirectSector));
    if (sectors.size > 1) {
      fail('sector_identifier_uri is required for pairwise subjects with several redirect hosts');
    }
  }

  const metadata: ClientMetadata = {
    redirect_uris: redirectUris ?? [],
    grant_types: grantTypes,
    response_types: dedupe(responseTypes),
    token_endpoint_auth_method: authMethod,
    ...(authSigningAlg && { token_endpoint_auth_signing_alg: authSigningAlg }),
    ...(jwks && { jwks }),
    ...(jwksUri && { jwks_uri: jwksUri }),
    scope,
    ...optional('client_name', read.text('client_name', 200)),
    ...optional('logo_uri', read.uri('logo_uri', checkWebUri)),
    ...optional('client_uri', read.uri('client_uri', checkWebUri)),
    ...optional('policy_uri', read.uri('policy_uri', checkWebUri)),
    ...optional('tos_uri', read.uri('tos_uri', checkWebUri)),
    contacts: read.stringList('contacts', 320) ?? [],
    application_type: applicationType,
    id_token_signed_response_alg:
      read.oneOf('id_token_signed_response_alg', signingAlgs) ??
      (signingAlgs.includes('RS256') ? 'RS256' : signingAlgs[0]),
    ...optional(
      'userinfo_signed_response_alg',
      read.oneOf('userinfo_signed_response_alg', signingAlgs),
    ),
    ...optional(
      'introspection_signed_response_alg',
      read.oneOf('introspection_signed_response_alg', signingAlgs),
    ),
    subject_type: subjectType,
    ...optional('sector_identifier_uri', sectorIdentifierUri),
    ...optional('default_max_age', read.integer('default_max_age', 0, 10 * 366 * 86_400)),
    require_auth_time: read.boolean('require_auth_time') ?? false,
    ...optional(
      'request_object_signing_alg',
      read.oneOf('request_object_signing_alg', PRIVATE_KEY_JWT_ALGS),
    ),
    ...optional('require_signed_request_object', read.boolean('require_signed_request_object')),
    ...optional(
      'require_pushed_authorization_requests',
      read.boolean('require_pushed_authorization_requests'),
    ),
    ...optional('id_token_scope_claims', read.boolean('id_token_scope_claims')),
    ...optional('dpop_bound_access_tokens', read.boolean('dpop_bound_access_tokens')),
    post_logout_redirect_uris:
      read.uriList('post_logout_redirect_uris', (uri, field) =>
        checkRedirectUri(uri, field, applicationType, InvalidClientMetadata),
      ) ?? [],
    ...optional('backchannel_logout_uri', read.uri('backchannel_logout_uri', checkFetchedUri)),
    backchannel_logout_session_required:
      read.boolean('backchannel_logout_session_required') ?? false,
    ...optional('frontchannel_logout_uri', read.uri('frontchannel_logout_uri', checkWebUri)),
    frontchannel_logout_session_required:
      read.boolean('frontchannel_logout_session_required') ?? false,
    ...operatorSettings(read, registrant, options.previous),
    public: isPublic,
  };
  return metadata;
}

type OperatorSettings = Omit<ClientMetadata, Exclude<keyof ClientMetadata, OperatorKey>>;
type OperatorKey =
  | 'description'
  | 'audience'
  | 'consent_mode'
  | 'pre_configured_consent_duration'
  | 'authorization_policy'
  | 'enforce_pkce'
  | 'pkce_challenge_method'
  | 'cors_allowed_origins'
  | 'introspection_audiences'
  | 'introspect_any_token'
  | 'token_exchange_subject_token_types'
  | 'token_exchange_impersonation'
  | 'lifespans';

/** Authelia's per-client settings; a registrant gets the defaults, or keeps what it had. */
function operatorSettings(
  read: Reader,
  registrant: boolean,
  previous?: ClientMetadata,
): OperatorSettings {
  if (registrant) {
    const defaults: OperatorSettings = {
      audience: [],
      authorization_policy: 'one_factor',
      enforce_pkce: false,
      cors_allowed_origins: [],
      introspection_audiences: [],
      introspect_any_token: false,
      token_exchange_subject_token_types: [ACCESS_TOKEN_TYPE_URI],
      token_exchange_impersonation: false,
      lifespans: {},
    };
    if (!previous) return defaults;
    const kept: Partial<OperatorSettings> = {};
    for (const key of Object.keys(defaults).concat([
      'description',
      'consent_mode',
      'pre_configured_consent_duration',
      'pkce_challenge_method',
    ]) as OperatorKey[]) {
      if (previous[key] !== undefined) (kept as Record<string, unknown>)[key] = previous[key];
    }
    return { ...defaults, ...kept };
  }
  const duration = read.duration('pre_configured_consent_duration');
  let consentMode = read.oneOf('consent_mode', [
    'explicit',
    'implicit',
    'pre-configured',
    'auto',
  ] as const);
  // Authelia: auto is pre-configured when a duration is set, explicit otherwise.
  if (consentMode === 'auto') consentMode = duration === undefined ? 'explicit' : 'pre-configured';
  const pkceMethod = read.oneOf('pkce_challenge_method', ['S256', 'plain'] as const);
  const enforcePkce = read.boolean('enforce_pkce') ?? read.boolean('require_pkce');
  return {
    ...optional('description', read.text('description', 1_000)),
    audience: read.stringList('audience', MAX_URI, /^\S+$/) ?? [],
    ...optional('consent_mode', consentMode),
    ...optional('pre_configured_consent_duration', duration),
    authorization_policy:
      read.oneOf('authorization_policy', ['one_factor', 'two_factor'] as const) ?? 'one_factor',
    enforce_pkce: enforcePkce ?? pkceMethod !== undefined,
    ...optional('pkce_challenge_method', pkceMethod),
    cors_allowed_origins: read.origins('cors_allowed_origins'),
    introspection_audiences: read.stringList('introspection_audiences', MAX_URI, /^\S+$/) ?? [],
    introspect_any_token: read.boolean('introspect_any_token') ?? false,
    token_exchange_subject_token_types: read.enumList(
      'token_exchange_subject_token_types',
      EXCHANGEABLE_TOKEN_TYPES,
    ) ?? [ACCESS_TOKEN_TYPE_URI],
    token_exchange_impersonation: read.boolean('token_exchange_impersonation') ?? false,
    lifespans: read.lifespans('lifespans'),
  };
}

function tokenEndpointSigningAlg(read: Reader, method: AuthMethod): string | undefined {
  const field = 'token_endpoint_auth_signing_alg';
  if (method === 'client_secret_jwt') return read.oneOf(field, CLIENT_SECRET_JWT_ALGS) ?? 'HS256';
  if (method === 'private_key_jwt') return read.oneOf(field, PRIVATE_KEY_JWT_ALGS) ?? 'RS256';
  // Unused by the other methods, yet sent by registrants that always send it (idpyoidc):
  // valid metadata is kept and echoed, not refused (RFC 7591 §2).
  return read.oneOf(field, [...CLIENT_SECRET_JWT_ALGS, ...PRIVATE_KEY_JWT_ALGS]);
}

type UriCheck = (url: URL, field: string) => void;

/**
 * Redirect URIs (RFC 9700 §2.1, RFC 8252 §7): https; http only on a loopback host; a private
 * custom scheme (reverse domain, so containing a dot) only for native applications.
 */
function checkRedirectUri(
  url: URL,
  field: string,
  applicationType: 'web' | 'native',
  Problem: typeof InvalidRedirectUri | typeof InvalidClientMetadata,
): void {
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:') {
    if (LOOPBACK_HOSTS.has(url.hostname)) return;
    throw new Problem(`${field} must use https (http only for 127.0.0.1, [::1] or localhost)`);
  }
  const scheme = url.protocol.slice(0, -1);
  if (
    ['javascript', 'data', 'file', 'vbscript', 'blob', 'about', 'ftp', 'ws', 'wss'].includes(scheme)
  ) {
    throw new Problem(`${field} must not use the ${scheme} scheme`);
  }
  if (applicationType !== 'native') {
    throw new Problem(`${field}: a custom scheme needs application_type native`);
  }
  if (!scheme.includes('.')) {
    throw new Problem(`${field}: a custom scheme must be a reverse domain name (RFC 8252 §7.1)`);
  }
}

/** URIs the provider itself fetches or calls: https, or http on a loopback host. */
function checkFetchedUri(url: URL, field: string): void {
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return;
  fail(`${field} must use https`);
}

/** URIs shown to users as links. */
function checkWebUri(url: URL, field: string): void {
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    fail(`${field} must be an http(s) URL`);
}

/** Reads members of untrusted input: own properties only, `null` taken as absent. */
class Reader {
  constructor(private readonly input: Record<string, unknown>) {}

  has(field: string): boolean {
    return this.get(field) !== undefined;
  }

  get(field: string): unknown {
    if (!Object.hasOwn(this.input, field)) return undefined;
    const value = this.input[field];
    return value === null ? undefined : value;
  }

  text(field: string, max: number): string | undefined {
    const value = this.get(field);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') fail(`${field} must be a string`);
    if (value.length > max) fail(`${field} must be at most ${max} characters`);
    return value;
  }

  boolean(field: string): boolean | undefined {
    const value = this.get(field);
    if (value === undefined || typeof value === 'boolean') return value;
    fail(`${field} must be true or false`);
  }

  integer(field: string, min: number, max: number): number | undefined {
    const value = this.get(field);
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      fail(`${field} must be a whole number from ${min} to ${max}`);
    }
    return value;
  }

  oneOf<const T extends string>(field: string, allowed: readonly T[]): T | undefined {
    const value = this.get(field);
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      fail(`${field} must be one of ${allowed.join(', ')}`);
    }
    return value as T;
  }

  stringList(field: string, maxLength = 200, pattern?: RegExp): string[] | undefined {
    const value = this.get(field);
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) fail(`${field} must be an array of strings`);
    if (value.length > MAX_LIST) fail(`${field} must have at most ${MAX_LIST} members`);
    value.forEach((item: unknown, i) => {
      if (typeof item !== 'string' || item.length === 0 || item.length > maxLength) {
        fail(`${field}[${i}] must be a string of 1 to ${maxLength} characters`);
      }
      if (pattern && !pattern.test(item)) fail(`${field}[${i}] is not valid`);
    });
    return dedupe(value as string[]);
  }

  enumList<const T extends string>(field: string, allowed: readonly T[]): T[] | undefined {
    const list = this.stringList(field);
    list?.forEach((item, i) => {
      if (!(allowed as readonly string[]).includes(item)) {
        fail(`${field}[${i}] must be one of ${allowed.join(', ')}`);
      }
    });
    return list as T[] | undefined;
  }

  uri(field: string, check: UriCheck): string | undefined {
    const value = this.text(field, MAX_URI);
    return value === undefined ? undefined : checkedUri(value, field, check, InvalidClientMetadata);
  }

  uriList(field: string, check: UriCheck): string[] | undefined {
    const Problem = field === 'redirect_uris' ? InvalidRedirectUri : InvalidClientMetadata;
    const value = this.get(field);
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) throw new Problem(`${field} must be an array of URIs`);
    if (value.length > MAX_LIST)
      throw new Problem(`${field} must have at most ${MAX_LIST} members`);
    return dedupe(
      value.map((item: unknown, i) => {
        if (typeof item !== 'string' || item.length > MAX_URI) {
          throw new Problem(`${field}[${i}] must be a URI of at most ${MAX_URI} characters`);
        }
        return checkedUri(item, `${field}[${i}]`, check, Problem);
      }),
    );
  }

  /** `scope` as RFC 7591 sends it (space-separated), or `scopes` as Authelia writes it. */
  scope(): string | undefined {
    const spaced = this.text('scope', 4_000);
    const tokens = spaced !== undefined ? spacedList(spaced) : this.stringList('scopes');
    if (tokens === undefined) return undefined;
    const field = spaced !== undefined ? 'scope' : 'scopes';
    if (tokens.length > 100) fail(`${field} must have at most 100 scopes`);
    for (const token of tokens) {
      if (!SCOPE_TOKEN.test(token)) fail(`${field} holds an invalid scope (RFC 6749 §3.3)`);
    }
    return dedupe(tokens).join(' ');
  }

  duration(field: string, label = field): number | undefined {
    const value = this.get(field);
    if (value === undefined) return undefined;
    const ms =
      typeof value === 'number' && Number.isInteger(value) && value >= 0
        ? value * 1_000
        : typeof value === 'string'
          ? parseDuration(value)
          : undefined;
    if (ms === undefined || ms > 10 * MAX_LIFESPAN_MS) {
      fail(`${label} must be a duration such as 90m, 12h or 7d, or a number of seconds`);
    }
    return ms;
  }

  lifespans(field: string): ClientMetadata['lifespans'] {
    const value = this.get(field);
    if (value === undefined) return {};
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      fail(`${field} must be a mapping of ${LIFESPAN_NAMES.join(', ')} to durations`);
    }
    const inner = new Reader(value as Record<string, unknown>);
    for (const name of Object.keys(value)) {
      if (!(LIFESPAN_NAMES as readonly string[]).includes(name)) {
        fail(`${field}.${clip(name)} is unknown; use ${LIFESPAN_NAMES.join(', ')}`);
      }
    }
    const result: ClientMetadata['lifespans'] = {};
    for (const name of LIFESPAN_NAMES) {
      const ms = inner.duration(name, `${field}.${name}`);
      if (ms === undefined) continue;
      if (ms <= 0 || ms > MAX_LIFESPAN_MS)
        fail(`${field}.${name} must be longer than 0 and at most 366d`);
      result[name] = ms;
    }
    return result;
  }

  origins(field: string): string[] {
    const list = this.stringList(field, MAX_URI) ?? [];
    list.forEach((origin, i) => {
      let parsed: URL | undefined;
      try {
        parsed = new URL(origin);
      } catch {
        parsed = undefined;
      }
      if (!parsed || !['https:', 'http:'].includes(parsed.protocol) || parsed.origin !== origin) {
        fail(`${field}[${i}] must be an origin such as https://app.example.com, with no path`);
      }
    });
    return list;
  }

  /** An inline JWK Set of public keys (RFC 7517 §5), each one importable. */
  jwks(field: string): { keys: JWK[] } | undefined {
    const value = this.get(field);
    if (value === undefined) return undefined;
    const keys = (value as { keys?: unknown }).keys;
    if (typeof value !== 'object' || Array.isArray(value) || !Array.isArray(keys)) {
      fail(`${field} must be a JWK Set: {"keys": [...]}`);
    }
    if (keys.length === 0 || keys.length > MAX_JWKS_KEYS) {
      fail(`${field} must hold 1 to ${MAX_JWKS_KEYS} keys`);
    }
    const kids = new Set<string>();
    return {
      keys: keys.map((key: unknown, i) => {
        const where = `${field}.keys[${i}]`;
        if (typeof key !== 'object' || key === null || Array.isArray(key)) {
          fail(`${where} must be a JWK`);
        }
        const jwk = key as Record<string, unknown>;
        if (PRIVATE_JWK_MEMBERS.some((member) => Object.hasOwn(jwk, member))) {
          fail(`${where} must be a public key: it holds private or symmetric key material`);
        }
        if (!['RSA', 'EC', 'OKP'].includes(jwk.kty as string)) {
          fail(`${where}.kty must be RSA, EC or OKP`);
        }
        if (jwk.kid !== undefined) {
          if (typeof jwk.kid !== 'string' || jwk.kid.length > 200)
            fail(`${where}.kid must be a string`);
          if (kids.has(jwk.kid)) fail(`${where}.kid repeats another key's kid`);
          kids.add(jwk.kid);
        }
        if (JSON.stringify(jwk).length > 8_192) fail(`${where} is too large`);
        let details;
        try {
          details = createPublicKey({ key: jwk, format: 'jwk' }).asymmetricKeyDetails;
        } catch {
          fail(`${where} is not a valid public key`);
        }
        if (jwk.kty === 'RSA' && (details?.modulusLength ?? 0) < 2048) {
          fail(`${where} must be an RSA key of at least 2048 bits`);
        }
        return JSON.parse(JSON.stringify(jwk)) as JWK;
      }),
    };
  }
}

function checkedUri(
  value: string,
  field: string,
  check: UriCheck,
  Problem: typeof InvalidRedirectUri | typeof InvalidClientMetadata,
): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Problem(`${field} must be an absolute URI`);
  }
  // Compared exactly later (RFC 9700 §4.1.3), so what is stored is what was sent.
  if (value.includes('#')) throw new Problem(`${field} must not contain a fragment`);
  if (url.username || url.password) throw new Problem(`${field} must not contain credentials`);
  if (/[\s<>"]/.test(value)) throw new Problem(`${field} contains characters a URI may not`);
  check(url, field);
  return value;
}

function fail(description: string): never {
  throw new InvalidClientMetadata(description);
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function dedupe<T>(list: T[]): T[] {
  return [...new Set(list)];
}

/** A value quoted in an error, cut short so a hostile one cannot fill a log line. */
function clip(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}
