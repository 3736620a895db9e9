import type { JWK } from 'jose';
import type { SigningAlg } from '../config/environment.js';
import type { ExchangeableTokenType } from '../token/token-types.js';

/** The scope the admin API requires; only the operator grants it (admin API or configuration). */
export const ADMIN_SCOPE = 'admin';
/**
 * The admin API's resource identifier is the issuer followed by this path (RFC 8707): a token
 * for it names it in `aud`, or has only the issuer there.
 */
export const ADMIN_RESOURCE_PATH = '/admin';
/** Asks for a refresh token (Core §11): any client with the refresh_token grant may ask it. */
export const OFFLINE_ACCESS = 'offline_access';

/** RFC 7591 §2 token endpoint authentication methods, plus none for public clients. */
export const AUTH_METHODS = [
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
  'private_key_jwt',
  'none',
] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

/** HMAC algorithms for client_secret_jwt, asymmetric ones for private_key_jwt (RFC 7518 §3.1). */
export const CLIENT_SECRET_JWT_ALGS = ['HS256', 'HS384', 'HS512'] as const;
export const PRIVATE_KEY_JWT_ALGS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

export type ConsentMode = 'explicit' | 'implicit' | 'pre-configured';
export type AuthorizationPolicy = 'one_factor' | 'two_factor';

/**
 * A client's registered metadata, normalised: defaults applied, every member validated.
 * Names follow OpenID Connect Dynamic Client Registration 1.0 §2 and RFC 7591 §2; the
 * operator settings after them follow Authelia's client options.
 */
export interface ClientMetadata {
  redirect_uris: string[];
  /** Among the grant types the token endpoint serves (their `@Grant` declarations). */
  grant_types: string[];
  response_types: string[];
  token_endpoint_auth_method: AuthMethod;
  token_endpoint_auth_signing_alg?: string;
  jwks?: { keys: JWK[] };
  jwks_uri?: string;
  /** The scopes the client may request, space-separated. */
  scope: string;
  client_name?: string;
  logo_uri?: string;
  client_uri?: string;
  policy_uri?: string;
  tos_uri?: string;
  contacts: string[];
  application_type: 'web' | 'native';
  id_token_signed_response_alg: SigningAlg;
  userinfo_signed_response_alg?: SigningAlg;
  /** RFC 9701 §6: how a JWT introspection answer for this client is signed (RS256 if unset). */
  introspection_signed_response_alg?: SigningAlg;
  subject_type: 'public' | 'pairwise';
  sector_identifier_uri?: string;
  /** Seconds (Core §3.1.2.1 max_age semantics). */
  default_max_age?: number;
  require_auth_time: boolean;
  /** RFC 9101 §10.5: request objects from this client must be signed with this algorithm. */
  request_object_signing_alg?: (typeof PRIVATE_KEY_JWT_ALGS)[number];
  /** RFC 9101 §10.5: this client's authorization requests must be signed request objects. */
  require_signed_request_object?: boolean;
  /** RFC 9126 §6: this client's authorization requests must come through `/par`. */
  require_pushed_authorization_requests?: boolean;
  /**
   * The claims granted by scope in the ID token too (Core §5.4), or only at UserInfo when
   * false; unset follows the server-wide ID_TOKEN_SCOPE_CLAIMS.
   */
  id_token_scope_claims?: boolean;
  /** RFC 9449 §5.2: every token request must carry a DPoP proof (false when unset). */
  dpop_bound_access_tokens?: boolean;
  post_logout_redirect_uris: string[];
  backchannel_logout_uri?: string;
  backchannel_logout_session_required: boolean;
  frontchannel_logout_uri?: string;
  frontchannel_logout_session_required: boolean;

  // Operator settings: through the admin API and the seed file, never dynamic registration.
  description?: string;
  /** A public client has no secret and authenticates with `none`. */
  public: boolean;
  /** Resources (RFC 8707) / audiences the client may ask tokens for. */
  audience: string[];
  consent_mode?: ConsentMode;
  /** Milliseconds. */
  pre_configured_consent_duration?: number;
  authorization_policy: AuthorizationPolicy;
  enforce_pkce: boolean;
  pkce_challenge_method?: 'S256' | 'plain';
  /** Origins allowed to call the token, introspection and revocation endpoints from a browser. */
  cors_allowed_origins: string[];
  /**
   * RFC 7662 §4: the audiences (`aud` values, such as a resource server's RFC 8707 identifier)
   * this client answers for; it may introspect tokens addressed to one of them. Its own
   * client_id always counts.
   */
  introspection_audiences: string[];
  /** The operator lets this client introspect any token (a gateway, an audit service). */
  introspect_any_token: boolean;
  /**
   * RFC 8693: the subject token types this client may exchange (with the token-exchange grant
   * type; the audiences it may ask for are `audience`). Absent from metadata stored before
   * token exchange was served (no such client has the grant type): the default then.
   */
  token_exchange_subject_token_types?: ExchangeableTokenType[];
  /** RFC 8693 §1.1: whether this client may exchange without an actor token (impersonation). */
  token_exchange_impersonation?: boolean;
  /** Per-client lifetimes in milliseconds, overriding the global ones. */
  lifespans: {
    access_token?: number;
    id_token?: number;
    /** Idle lifetime of a refresh token: each rotation starts it again. */
    refresh_token?: number;
    /** Absolute end of a refresh-token family, however often it is rotated. */
    refresh_token_family?: number;
    authorize_code?: number;
  };
}

/** Who is submitting metadata: registrants may not set operator settings. */
export type MetadataSource = 'admin' | 'registration' | 'seed';
