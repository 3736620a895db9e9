import type { Client } from '../clients/client.entity.js';
import { OFFLINE_ACCESS, type ClientMetadata } from '../clients/client-metadata.js';
import {
  InvalidClient,
  InvalidRequest,
  InvalidScope,
  OAuthError,
  OAuthRedirectError,
  RequestNotSupported,
  RequestUriNotSupported,
  UnauthorizedClient,
  UnsupportedResponseType,
} from '../common/errors/oauth-error.js';
import { resourceIndicators } from '../common/resource-indicators.js';
import type { ResourceCatalog } from '../resources/resource-catalog.js';
import { spacedList } from '../common/scopes.js';
import { parseClaimsRequest, restoredClaimsRequest, type ClaimsRequest } from './claims-request.js';
import type { ResponseMode } from '../common/client-response.js';
import { DEVICE_CODE_GRANT, type DeviceRequest } from './device-authorizations.js';

/** Parameters as Fastify parses a query string or a form: repeated ones become arrays. */
export type RawParameters = Record<string, string | string[] | undefined>;

export type { ResponseMode };
export type Prompt = 'none' | 'login' | 'consent' | 'select_account';
export type PkceEnforcement = 'never' | 'public_clients_only' | 'always';

/** The operator's settings that shape what an authorization request may be. */
export interface AuthorizationPolicy {
  issuer: string;
  /** Authelia's `enforce_pkce`; a client's own `enforce_pkce` can only make it stricter. */
  enforcePkce: PkceEnforcement;
  /** Authelia's `enable_pkce_plain_challenge`. */
  allowPlainPkce: boolean;
  /** Authelia's `minimum_parameter_entropy`: the least length of `state` and `nonce`; 0 turns it off. */
  minimumParameterEntropy: number;
  /** The declared resource servers, as they are now (RFC 8707). */
  resources: ResourceCatalog;
}

/** A request that passed every check: what the decision and the code are made from. */
export interface AuthorizationRequest {
  client: Client;
  redirectUri: string;
  /** Whether `redirect_uri` was sent: the token request must then repeat it (RFC 6749 §4.1.3). */
  redirectUriSent: boolean;
  responseMode: ResponseMode;
  /** The requested scopes, each allowed to the client, in request order. */
  scope: string[];
  /** An OpenID Connect request (`openid` in scope), not plain OAuth. */
  openid: boolean;
  state?: string;
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: 'S256' | 'plain';
  /** RFC 9449 §10: the thumbprint of the DPoP key the code is bound to. */
  dpopJkt?: string;
  prompt: Set<Prompt>;
  /** Seconds; the request's `max_age`, or the client's `default_max_age`. */
  maxAge?: number;
  idTokenHint?: string;
  loginHint?: string;
  uiLocales: string[];
  claimsLocales: string[];
  acrValues: string[];
  display: 'page' | 'popup' | 'touch' | 'wap';
  claims: ClaimsRequest;
  /** RFC 8707 resources, each one the client may ask for (`ResourceCatalog.mayAsk`). */
  resources: string[];
  /**
   * The device authorization (RFC 8628) this sign-in answers, by its digest: the answer goes
   * to the polling device, not to a redirect URI.
   */
  device?: string;
}

const RESPONSE_MODES: readonly ResponseMode[] = ['query', 'fragment', 'form_post'];
const PROMPTS: readonly Prompt[] = ['none', 'login', 'consent', 'select_account'];
const DISPLAYS = ['page', 'popup', 'touch', 'wap'] as const;
/** RFC 7636 §4.2: 43 to 128 characters of the unreserved set. */
const CODE_CHALLENGE = /^[A-Za-z0-9\-._~]{43,128}$/;
/** RFC 9449 §10: a JWK SHA-256 thumbprint (RFC 7638), base64url. */
const DPOP_JKT = /^[A-Za-z0-9_-]{43}$/;
/** RFC 6749 §3.3 scope-token. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
/** Generous bounds for free-text parameters: enough for any real client, not for abuse. */
const MAX_LENGTH = { state: 2048, nonce: 2048, hint: 4096, idTokenHint: 16_384, list: 1024 };

/** One parameter's value; RFC 6749 §3.1: a parameter sent twice is an invalid request. */
function single(params: RawParameters, name: string): string | undefined {
  const value = params[name];
  if (Array.isArray(value)) throw new InvalidRequest(`Parameter ${name} is repeated`);
  // OpenID Connect Core §3.1.2.1 treats an empty value as the parameter being absent.
  return value === '' ? undefined : value;
}

/**
 * The first step, before anything can be sent to the client: who it is and where answers
 * go. Errors here are shown on the provider's own error page and never redirected
 * (RFC 6749 §4.1.2.1, RFC 9700 §4.1.1): a redirect URI is used only when registered exactly.
 */
export function resolveRedirect(
  params: RawParameters,
  findClient: (clientId: string) => Client | undefined,
): { client: Client; redirectUri: string } {
  const clientId = single(params, 'client_id');
  if (clientId === undefined) throw new InvalidRequest('client_id is required');
  const client = clientId.length <= 200 ? findClient(clientId) : undefined;
  if (!client) throw new InvalidClient('The client is not known');
  const registered = client.metadata.redirect_uris;
  const given = single(params, 'redirect_uri');
  if (given === undefined) {
    // RFC 6749 §3.1.2.3: it may be left out only when a single one is registered.
    if (registered.length === 1) return { client, redirectUri: registered[0] };
    throw new InvalidRequest(
      registered.length === 0
        ? 'The client has no registered redirect URI'
        : 'redirect_uri is required: the client has several',
    );
  }
  // Exact, case-sensitive comparison (RFC 9700 §4.1.3); no normalisation of any kind.
  if (!registered.includes(given)) {
    throw new InvalidRequest('redirect_uri is not registered for this client');
  }
  return { client, redirectUri: given };
}

/**
 * The rest of the request, once the redirect URI is trusted: every error goes back to the
 * client with `state`, in the response mode it asked for when that mode was valid.
 */
export function parseAuthorizationRequest(
  params: RawParameters,
  client: Client,
  redirectUri: string,
  policy: AuthorizationPolicy,
): AuthorizationRequest {
  // What an error needs to find its way back is read first, and read leniently.
  const rawState = params.state;
  const state = typeof rawState === 'string' && rawState !== '' ? rawState : undefined;
  const rawMode = params.response_mode;
  const responseMode =
    typeof rawMode === 'string' && (RESPONSE_MODES as readonly string[]).includes(rawMode)
      ? (rawMode as ResponseMode)
      : 'query';
  const fail = (e: OAuthError): never => {
    throw new OAuthRedirectError(e, {
      redirectUri,
      responseMode,
      state,
      issuer: policy.issuer,
    });
  };
  try {
    return readRequest(params, client, redirectUri, responseMode, state, policy);
  } catch (e) {
    if (e instanceof OAuthError) return fail(e);
    throw e;
  }
}

function readRequest(
  params: RawParameters,
  client: Client,
  redirectUri: string,
  responseMode: ResponseMode,
  state: string | undefined,
  policy: AuthorizationPolicy,
): AuthorizationRequest {
  const metadata = client.metadata;
  // Every parameter we read must be single; the checks below assume it.
  for (const [name, value] of Object.entries(params)) {
    if (Array.isArray(value) && name !== 'resource')
      throw new InvalidRequest(`Parameter ${name} is repeated`);
  }
  if (state !== undefined) checkEntropy('state', state, policy);
  if (state !== undefined && state.length > MAX_LENGTH.state)
    throw new InvalidRequest(`state must be at most ${MAX_LENGTH.state} characters`);

  const mode = single(params, 'response_mode');
  if (mode !== undefined && !(RESPONSE_MODES as readonly string[]).includes(mode)) {
    throw new InvalidRequest(`response_mode must be one of ${RESPONSE_MODES.join(', ')}`);
  }

  // Request objects are resolved before validation (request-objects.ts) and pushed requests
  // too (pushed-requests.ts): one still here came some other way. By reference: not supported.
  if (single(params, 'request') !== undefined)
    throw new RequestNotSupported('The request parameter is not supported');
  if (single(params, 'request_uri') !== undefined)
    throw new RequestUriNotSupported('The request_uri parameter is not supported');

  const responseType = single(params, 'response_type');
  if (responseType === undefined) throw new InvalidRequest('response_type is required');
  if (responseType !== 'code') {
    // The implicit and hybrid flows are left out on purpose (RFC 9700 §2.1.2).
    throw new UnsupportedResponseType(
      `response_type ${clip(responseType)} is not supported; use code`,
    );
  }
  checkCodeFlow(metadata);

  const resources = resourceIndicators(params.resource);
  policy.resources.checkTargets(client, resources);
  // A declared resource's scopes are granted only with it.
  const scope = policy.resources.scopesFor(
    readScope(single(params, 'scope'), metadata),
    policy.resources.audienceOf(client, resources),
  );
  const openid = scope.includes('openid');

  const nonce = single(params, 'nonce');
  if (nonce !== undefined) {
    checkEntropy('nonce', nonce, policy);
    if (nonce.length > MAX_LENGTH.nonce)
      throw new InvalidRequest(`nonce must be at most ${MAX_LENGTH.nonce} characters`);
  }

  const { codeChallenge, codeChallengeMethod } = readPkce(params, client, policy);
  const dpopJkt = single(params, 'dpop_jkt');
  if (dpopJkt !== undefined && !DPOP_JKT.test(dpopJkt))
    throw new InvalidRequest('dpop_jkt must be the base64url SHA-256 thumbprint of a JWK');
  const prompt = readPrompt(single(params, 'prompt'));
  const maxAge = readMaxAge(single(params, 'max_age')) ?? metadata.default_max_age;

  const display = single(params, 'display') ?? 'page';
  if (!(DISPLAYS as readonly string[]).includes(display))
    throw new InvalidRequest(`display must be one of ${DISPLAYS.join(', ')}`);

  const idTokenHint = bounded(params, 'id_token_hint', MAX_LENGTH.idTokenHint);
  const loginHint = bounded(params, 'login_hint', MAX_LENGTH.hint);
  const claimsText = single(params, 'claims');
  const claims = claimsText === undefined ? {} : parseClaimsRequest(claimsText);

  return {
    client,
    redirectUri,
    redirectUriSent: single(params, 'redirect_uri') !== undefined,
    responseMode,
    scope,
    openid,
    ...(state !== undefined && { state }),
    ...(nonce !== undefined && { nonce }),
    ...(codeChallenge !== undefined && { codeChallenge, codeChallengeMethod }),
    ...(dpopJkt !== undefined && { dpopJkt }),
    prompt,
    ...(maxAge !== undefined && { maxAge }),
    ...(idTokenHint !== undefined && { idTokenHint }),
    ...(loginHint !== undefined && { loginHint }),
    uiLocales: spaced(params, 'ui_locales'),
    claimsLocales: spaced(params, 'claims_locales'),
    acrValues: spaced(params, 'acr_values'),
    display: display as AuthorizationRequest['display'],
    claims,
    resources,
  };
}

function clip(value: string): string {
  return value.length > 40 ? `${value.slice(0, 40)}…` : value;
}

function bounded(params: RawParameters, name: string, max: number): string | undefined {
  const value = single(params, name);
  if (value !== undefined && value.length > max)
    throw new InvalidRequest(`${name} must be at most ${max} characters`);
  return value;
}

function spaced(params: RawParameters, name: string): string[] {
  return spacedList(bounded(params, name, MAX_LENGTH.list));
}

function checkEntropy(name: string, value: string, policy: AuthorizationPolicy): void {
  if (value.length < policy.minimumParameterEntropy) {
    throw new InvalidRequest(
      `${name} must be at least ${policy.minimumParameterEntropy} characters`,
    );
  }
}

/**
 * Scopes as requested, each of which the client must be allowed (as Authelia does: asking
 * for more than was registered is an error, not a silent narrowing). `offline_access` is the
 * exception: it asks for a refresh token, so the `refresh_token` grant decides it, whatever
 * the registered scope says, and a client without that grant loses it silently (Core §11).
 */
export function readScope(text: string | undefined, metadata: ClientMetadata): string[] {
  if (text === undefined) return [];
  if (text.length > 4000) throw new InvalidScope('scope is too long');
  const requested = spacedList(text);
  for (const s of requested) {
    if (!SCOPE_TOKEN.test(s)) throw new InvalidScope('scope holds an invalid scope token');
  }
  return allowedScopes(requested, metadata);
}

/** The requested scopes as the client may have them: each registered, offline_access by grant. */
function allowedScopes(requested: string[], metadata: ClientMetadata): string[] {
  const allowed = new Set(spacedList(metadata.scope));
  for (const s of requested) {
    if (s === OFFLINE_ACCESS) continue;
    if (!allowed.has(s)) throw new InvalidScope(`This client may not request the scope ${clip(s)}`);
  }
  return metadata.grant_types.includes('refresh_token')
    ? requested
    : requested.filter((s) => s !== OFFLINE_ACCESS);
}

/** RFC 7636, with Authelia's enforcement settings. */
function readPkce(
  params: RawParameters,
  client: Client,
  policy: AuthorizationPolicy,
): { codeChallenge?: string; codeChallengeMethod?: 'S256' | 'plain' } {
  const challenge = single(params, 'code_challenge');
  const method = single(params, 'code_challenge_method');
  if (challenge === undefined) {
    if (method !== undefined)
      throw new InvalidRequest('code_challenge_method was sent without code_challenge');
    checkPkce(undefined, client.metadata, policy);
    return {};
  }
  if (!CODE_CHALLENGE.test(challenge))
    throw new InvalidRequest('code_challenge must be 43 to 128 characters of [A-Za-z0-9-._~]');
  // RFC 7636 §4.3: a challenge without a method is plain.
  const resolved = method ?? 'plain';
  if (resolved !== 'S256' && resolved !== 'plain')
    throw new InvalidRequest('code_challenge_method must be S256');
  checkPkce(resolved, client.metadata, policy);
  return { codeChallenge: challenge, codeChallengeMethod: resolved };
}

/** What the client and the operator require of PKCE, given the method used (if any). */
function checkPkce(
  method: 'S256' | 'plain' | undefined,
  metadata: ClientMetadata,
  policy: AuthorizationPolicy,
): void {
  const required =
    metadata.enforce_pkce ||
    policy.enforcePkce === 'always' ||
    (policy.enforcePkce === 'public_clients_only' && metadata.public);
  if (method === undefined) {
    if (required) throw new InvalidRequest('This client must use PKCE (code_challenge)');
    return;
  }
  // plain needs the operator's leave, for this client or globally unless the client pins
  // S256 (Authelia's pkce_challenge_method); S256 is always accepted.
  const plainAllowed =
    metadata.pkce_challenge_method === 'plain' ||
    (policy.allowPlainPkce && metadata.pkce_challenge_method !== 'S256');
  if (method === 'plain' && !plainAllowed)
    throw new InvalidRequest('code_challenge_method plain is not allowed; use S256');
}

function checkCodeFlow(metadata: ClientMetadata): void {
  if (
    !metadata.response_types.includes('code') ||
    !metadata.grant_types.includes('authorization_code')
  ) {
    throw new UnauthorizedClient('This client may not use the authorization code flow');
  }
}

function readPrompt(text: string | undefined): Set<Prompt> {
  const values = new Set<Prompt>();
  if (text === undefined) return values;
  for (const value of spacedList(text)) {
    if (!(PROMPTS as readonly string[]).includes(value))
      throw new InvalidRequest(`prompt ${clip(value)} is not supported`);
    values.add(value as Prompt);
  }
  // Core §3.1.2.1: none with any other value is an error.
  if (values.has('none') && values.size > 1)
    throw new InvalidRequest('prompt none cannot be combined with other values');
  return values;
}

function readMaxAge(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,10}$/.test(text)) throw new InvalidRequest('max_age must be a number of seconds');
  return Number(text);
}

/**
 * What an interaction keeps of a checked request between its steps (plain JSON in the shared
 * store): the request itself, with the client by id so each step sees the client as it is now.
 */
export type StoredAuthorizationRequest = Omit<AuthorizationRequest, 'client' | 'prompt'> & {
  clientId: string;
  prompt: Prompt[];
};

export function storedRequest({
  client,
  prompt,
  ...rest
}: AuthorizationRequest): StoredAuthorizationRequest {
  return { ...rest, clientId: client.clientId, prompt: [...prompt] };
}

/**
 * A stored request with the client as it is now: the checks that depend on the client's
 * registration run again (an operator may have changed it during the sign-in), the rest was
 * settled when the request was parsed. Throws an `OAuthError` when the request no longer passes.
 */
export function restoredRequest(
  { clientId, prompt, ...rest }: StoredAuthorizationRequest,
  client: Client,
  policy: AuthorizationPolicy,
): AuthorizationRequest {
  const metadata = client.metadata;
  if (client.clientId !== clientId) throw new InvalidClient('The client is not known');
  if (rest.device !== undefined) {
    if (!metadata.grant_types.includes(DEVICE_CODE_GRANT))
      throw new UnauthorizedClient('This client may not use the device authorization grant');
    return {
      ...rest,
      client,
      prompt: new Set(prompt),
      scope: restoredScope(rest, client, policy),
    };
  }
  const registered = metadata.redirect_uris;
  const redirectAllowed = rest.redirectUriSent
    ? registered.includes(rest.redirectUri)
    : registered.length === 1 && registered[0] === rest.redirectUri;
  if (!redirectAllowed) throw new InvalidRequest('redirect_uri is not registered for this client');
  checkCodeFlow(metadata);
  checkPkce(rest.codeChallengeMethod, metadata, policy);
  return {
    ...rest,
    client,
    prompt: new Set(prompt),
    scope: restoredScope(rest, client, policy),
    claims: restoredClaimsRequest(rest.claims),
  };
}

/** The scope of a kept request as its client and the declared resources allow it now. */
function restoredScope(
  request: { scope: string[]; resources: string[] },
  client: Client,
  policy: AuthorizationPolicy,
): string[] {
  policy.resources.checkTargets(client, request.resources);
  return policy.resources.scopesFor(
    allowedScopes(request.scope, client.metadata),
    policy.resources.audienceOf(client, request.resources),
  );
}

/**
 * The parameters that ask for the same request again, for a browser sent back to
 * `/authorize` (its interaction ended while it waited).
 */
export function authorizationParameters(request: StoredAuthorizationRequest): URLSearchParams {
  const query = new URLSearchParams({ response_type: 'code', client_id: request.clientId });
  const set = (name: string, value: string | number | undefined) => {
    if (value !== undefined && value !== '') query.set(name, String(value));
  };
  if (request.redirectUriSent) set('redirect_uri', request.redirectUri);
  set('scope', request.scope.join(' '));
  set('state', request.state);
  set('nonce', request.nonce);
  set('code_challenge', request.codeChallenge);
  set('code_challenge_method', request.codeChallengeMethod);
  set('dpop_jkt', request.dpopJkt);
  if (request.responseMode !== 'query') set('response_mode', request.responseMode);
  set('prompt', request.prompt.join(' '));
  set('max_age', request.maxAge);
  set('id_token_hint', request.idTokenHint);
  set('login_hint', request.loginHint);
  set('ui_locales', request.uiLocales.join(' '));
  set('claims_locales', request.claimsLocales.join(' '));
  set('acr_values', request.acrValues.join(' '));
  if (request.display !== 'page') set('display', request.display);
  if (Object.keys(request.claims).length > 0) set('claims', JSON.stringify(request.claims));
  for (const resource of request.resources) query.append('resource', resource);
  return query;
}

/**
 * The sign-in a device authorization asks of its user (RFC 8628 §3.3): its scope and
 * resources, always with a consent page (§5.4: the user must see which client the code is
 * for), answered to the device rather than to a redirect URI.
 */
export function deviceRequest(
  client: Client,
  request: DeviceRequest,
  digest: string,
): AuthorizationRequest {
  return {
    client,
    redirectUri: '',
    redirectUriSent: false,
    responseMode: 'query',
    scope: request.scope,
    openid: request.scope.includes('openid'),
    prompt: new Set<Prompt>(['consent']),
    uiLocales: [],
    claimsLocales: [],
    acrValues: [],
    display: 'page',
    claims: {},
    resources: request.resources,
    device: digest,
  };
}
