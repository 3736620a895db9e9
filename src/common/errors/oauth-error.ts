import { challenge, type ChallengeParams, type ChallengeScheme } from './challenge.js';

/**
 * The OAuth error family. Each class carries its RFC error code and HTTP status; filters
 * shape the response for the surface (JSON, redirect, HTML). Only these errors reach a client
 * with their description: anything else becomes `server_error` and is logged.
 */
export class OAuthError extends Error {
  /** Extra response headers, e.g. `WWW-Authenticate`. */
  readonly headers: Record<string, string> = {};

  constructor(
    readonly error: string,
    readonly description: string | undefined,
    readonly status: number,
  ) {
    super(description ?? error);
    this.name = new.target.name;
  }

  withHeader(name: string, value: string): this {
    this.headers[name] = value;
    return this;
  }

  /** The `WWW-Authenticate` challenge of a 401 or 403 (RFC 9110 §11.6.1, RFC 6750 §3). */
  withChallenge(scheme: ChallengeScheme, params?: ChallengeParams): this {
    return this.withHeader('www-authenticate', challenge(scheme, params));
  }

  toJSON(): { error: string; error_description?: string } {
    return this.description === undefined
      ? { error: this.error }
      : { error: this.error, error_description: this.description };
  }
}

function code(error: string, status: number) {
  return class extends OAuthError {
    static readonly code = error;
    constructor(description?: string) {
      super(error, description, status);
    }
  };
}

// RFC 6749 §4.1.2.1, §5.2
/**
 * RFC 6749 has one code for a refused request; a refusal that HTTP names more precisely (405,
 * 409, 413, 415, 429) keeps its own status under that code.
 */
export class InvalidRequest extends OAuthError {
  static readonly code = 'invalid_request';
  constructor(description?: string, status = 400) {
    super('invalid_request', description, status);
  }
}
export class InvalidClient extends code('invalid_client', 401) {}
export class InvalidGrant extends code('invalid_grant', 400) {}
export class UnauthorizedClient extends code('unauthorized_client', 400) {}
export class UnsupportedGrantType extends code('unsupported_grant_type', 400) {}
export class UnsupportedResponseType extends code('unsupported_response_type', 400) {}
export class InvalidScope extends code('invalid_scope', 400) {}
export class AccessDenied extends code('access_denied', 403) {}
export class ServerError extends code('server_error', 500) {}
export class TemporarilyUnavailable extends code('temporarily_unavailable', 503) {}
// RFC 6750 §3.1
export class InvalidToken extends code('invalid_token', 401) {}
export class InsufficientScope extends code('insufficient_scope', 403) {}
// RFC 7009 §2.2.1
export class UnsupportedTokenType extends code('unsupported_token_type', 400) {}
// RFC 7591 §3.2.2
export class InvalidRedirectUri extends code('invalid_redirect_uri', 400) {}
export class InvalidClientMetadata extends code('invalid_client_metadata', 400) {}
// RFC 8707 §2
export class InvalidTarget extends code('invalid_target', 400) {}
// OpenID Connect Core §3.1.2.6
export class InteractionRequired extends code('interaction_required', 400) {}
export class LoginRequired extends code('login_required', 400) {}
export class AccountSelectionRequired extends code('account_selection_required', 400) {}
export class ConsentRequired extends code('consent_required', 400) {}
export class InvalidRequestUri extends code('invalid_request_uri', 400) {}
export class InvalidRequestObject extends code('invalid_request_object', 400) {}
export class RequestNotSupported extends code('request_not_supported', 400) {}
export class RequestUriNotSupported extends code('request_uri_not_supported', 400) {}
export class RegistrationNotSupported extends code('registration_not_supported', 400) {}
// RFC 8628 §3.5: a device's poll at the token endpoint (400, as every RFC 6749 §5.2 error)
export class AuthorizationPending extends code('authorization_pending', 400) {}
export class SlowDown extends code('slow_down', 400) {}
export class ExpiredToken extends code('expired_token', 400) {}
export class DeviceAccessDenied extends code('access_denied', 400) {}
// RFC 9449 §5, §8
export class InvalidDpopProof extends code('invalid_dpop_proof', 400) {}
export class UseDpopNonce extends code('use_dpop_nonce', 400) {}
// Not an RFC code, but the JSON surface needs one for unknown routes.
export class NotFound extends code('not_found', 404) {}

/** RFC 9110 §15.5.6: the method is not served; `Allow` lists those that are. */
export class MethodNotAllowed extends InvalidRequest {
  constructor(description: string, allow: string) {
    super(description, 405);
    this.withHeader('allow', allow);
  }
}

/** RFC 9110 §15.5.10: the request conflicts with the resource's state. */
export class Conflict extends InvalidRequest {
  constructor(description: string) {
    super(description, 409);
  }
}

/**
 * RFC 6585 §4: rate limited, with `Retry-After` in seconds (RFC 9110 §10.2.3). The code is
 * `invalid_request` unless the limit is on something with a code of its own (`invalid_client`
 * for client authentication).
 */
export class TooManyRequests extends OAuthError {
  constructor(description: string, retryAfterSeconds: number, error = 'invalid_request') {
    super(error, description, 429);
    this.withHeader('retry-after', String(retryAfterSeconds));
  }
}

/**
 * An error to be delivered to the client's redirect URI (RFC 6749 §4.1.2.1). Only thrown once
 * the client and its redirect URI have been validated; before that, errors go to the HTML page.
 */
export class OAuthRedirectError extends Error {
  constructor(
    readonly oauthError: OAuthError,
    readonly redirect: {
      redirectUri: string;
      responseMode: 'query' | 'fragment' | 'form_post';
      state?: string;
      /** RFC 9207: the `iss` response parameter. */
      issuer?: string;
    },
  ) {
    super(oauthError.message);
    this.name = 'OAuthRedirectError';
  }
}
