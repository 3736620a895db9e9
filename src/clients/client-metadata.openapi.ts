/**
 * Swagger for the client metadata the admin API and dynamic registration take (docs/clients.md
 * has every rule). Only documentation: `client-metadata.validator.ts` checks them.
 */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AUTH_METHODS, PRIVATE_KEY_JWT_ALGS } from './client-metadata.js';

/** OpenID Connect Dynamic Client Registration 1.0 §2 and RFC 7591 §2. */
export class ClientRegistrationMetadata {
  @ApiPropertyOptional({
    type: [String],
    maxItems: 50,
    description:
      'Required with authorization_code; matched exactly. https, or http on a loopback host; a private scheme for native apps',
    example: ['https://orders.example.com/callback'],
  })
  redirect_uris?: string[];

  @ApiPropertyOptional({
    type: [String],
    description: 'Grant types among grant_types_supported; authorization_code by default',
    example: ['authorization_code', 'refresh_token'],
  })
  grant_types?: string[];

  @ApiPropertyOptional({
    type: [String],
    enum: ['code'],
    description: 'Only code; [code] with authorization_code by default',
    example: ['code'],
  })
  response_types?: string[];

  @ApiPropertyOptional({
    enum: AUTH_METHODS,
    description: 'client_secret_basic by default; none for a public client',
    example: 'client_secret_basic',
  })
  token_endpoint_auth_method?: string;

  @ApiPropertyOptional({
    description: 'HS256 by default for client_secret_jwt, RS256 for private_key_jwt',
    example: 'RS256',
  })
  token_endpoint_auth_signing_alg?: string;

  @ApiPropertyOptional({
    type: 'object',
    properties: { keys: { type: 'array', items: { type: 'object' } } },
    description:
      'Public keys inline (a JWK Set, at most 20 keys), for private_key_jwt; or jwks_uri',
    example: { keys: [{ kty: 'EC', crv: 'P-256', x: '…', y: '…', kid: 'orders-1' }] },
  })
  jwks?: object;

  @ApiPropertyOptional({
    format: 'uri',
    description: 'Where the client publishes its JWK Set (https); or jwks',
    example: 'https://orders.example.com/jwks.json',
  })
  jwks_uri?: string;

  @ApiPropertyOptional({
    description:
      'Space-separated scopes the client may request; openid profile email groups by default',
    example: 'openid profile email',
  })
  scope?: string;

  @ApiPropertyOptional({
    description: 'Shown on the login and consent pages',
    example: 'Orders web app',
  })
  client_name?: string;

  @ApiPropertyOptional({ format: 'uri', example: 'https://orders.example.com/logo.png' })
  logo_uri?: string;

  @ApiPropertyOptional({ format: 'uri', example: 'https://orders.example.com' })
  client_uri?: string;

  @ApiPropertyOptional({ format: 'uri' })
  policy_uri?: string;

  @ApiPropertyOptional({ format: 'uri' })
  tos_uri?: string;

  @ApiPropertyOptional({ type: [String], example: ['orders-team@example.com'] })
  contacts?: string[];

  @ApiPropertyOptional({ enum: ['web', 'native'], example: 'web' })
  application_type?: string;

  @ApiPropertyOptional({ description: 'One of SIGNING_ALGS; RS256 by default', example: 'RS256' })
  id_token_signed_response_alg?: string;

  @ApiPropertyOptional({
    description: 'One of SIGNING_ALGS for signed UserInfo answers; unsigned JSON by default',
  })
  userinfo_signed_response_alg?: string;

  @ApiPropertyOptional({
    description:
      'RFC 9701: one of SIGNING_ALGS for JWT introspection answers (asked for with Accept: application/token-introspection+jwt); RS256 by default',
    example: 'ES256',
  })
  introspection_signed_response_alg?: string;

  @ApiPropertyOptional({ enum: ['public', 'pairwise'], example: 'public' })
  subject_type?: string;

  @ApiPropertyOptional({
    format: 'uri',
    description: 'https; fetched at registration, must list every redirect URI (Core §8.1)',
  })
  sector_identifier_uri?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, description: 'Seconds', example: 86400 })
  default_max_age?: number;

  @ApiPropertyOptional({ description: 'Every ID token carries auth_time anyway', example: false })
  require_auth_time?: boolean;

  @ApiPropertyOptional({
    enum: PRIVATE_KEY_JWT_ALGS,
    description:
      'RFC 9101 §10.5: the algorithm this client signs request objects with (its jwks or jwks_uri keys); any asymmetric one when unset',
    example: 'ES256',
  })
  request_object_signing_alg?: string;

  @ApiPropertyOptional({
    description: 'RFC 9101 §10.5: authorization requests only as signed request objects',
    example: false,
  })
  require_signed_request_object?: boolean;

  @ApiPropertyOptional({
    description: 'RFC 9126 §6: authorization requests only through /par (a request_uri)',
    example: false,
  })
  require_pushed_authorization_requests?: boolean;

  @ApiPropertyOptional({
    description:
      'The claims of the granted scopes in the ID token too (Core §5.4); by default ID_TOKEN_SCOPE_CLAIMS',
    example: true,
  })
  id_token_scope_claims?: boolean;

  @ApiPropertyOptional({
    description:
      'RFC 9449 §5.2: every token request must carry a DPoP proof, so every access token is DPoP-bound',
    example: false,
  })
  dpop_bound_access_tokens?: boolean;

  @ApiPropertyOptional({
    type: [String],
    description: 'Where /end_session may send the browser back; same rules as redirect_uris',
    example: ['https://orders.example.com/signed-out'],
  })
  post_logout_redirect_uris?: string[];

  @ApiPropertyOptional({
    format: 'uri',
    description: 'Back-Channel Logout 1.0: where logout tokens are POSTed (https)',
  })
  backchannel_logout_uri?: string;

  @ApiPropertyOptional({ example: false })
  backchannel_logout_session_required?: boolean;

  @ApiPropertyOptional({
    format: 'uri',
    description: 'Front-Channel Logout 1.0: loaded in a hidden iframe after a sign-out',
  })
  frontchannel_logout_uri?: string;

  @ApiPropertyOptional({ example: false })
  frontchannel_logout_session_required?: boolean;
}

/** Per-client lifetimes: each a duration (`15m`, `7d`) or seconds, at most 366 days. */
export class ClientLifespansInput {
  @ApiPropertyOptional({ example: '15m' })
  access_token?: string;

  @ApiPropertyOptional({ example: '1h' })
  id_token?: string;

  @ApiPropertyOptional({ description: 'Idle lifetime: each rotation starts it again' })
  refresh_token?: string;

  @ApiPropertyOptional({ description: 'Absolute end of a family, however often it is rotated' })
  refresh_token_family?: string;

  @ApiPropertyOptional({ example: '1m' })
  authorize_code?: string;
}

/** The admin API's body: registration metadata, the operator settings, and what to import. */
export class AdminClientInput extends ClientRegistrationMetadata {
  @ApiPropertyOptional({
    maxLength: 200,
    description: 'On creation only: 1 to 200 visible ASCII characters; generated when absent',
    example: 'billing-worker',
  })
  client_id?: string;

  @ApiPropertyOptional({
    minLength: 32,
    description: 'On creation only: a secret to import; generated (and returned once) when absent',
  })
  client_secret?: string;

  @ApiPropertyOptional({
    description:
      'On creation only: a digest to import instead of a secret (argon2id, bcrypt, PBKDF2 as Authelia writes it)',
    example: '$argon2id$v=19$m=65536,t=3,p=4$…',
  })
  client_secret_digest?: string;

  @ApiPropertyOptional({ description: 'Free text for operators' })
  description?: string;

  @ApiPropertyOptional({
    description: 'A public client has no secret and authenticates with none',
    example: false,
  })
  public?: boolean;

  @ApiPropertyOptional({
    type: [String],
    description: 'The resources (RFC 8707) or audiences the client may ask tokens for',
    example: ['https://invoices.internal.example.com'],
  })
  audience?: string[];

  @ApiPropertyOptional({
    enum: ['explicit', 'implicit', 'pre-configured', 'auto'],
    description: 'Whether users are asked to consent',
    example: 'explicit',
  })
  consent_mode?: string;

  @ApiPropertyOptional({
    description: 'With pre-configured: how long a consent is remembered (a duration or seconds)',
    example: '1w',
  })
  pre_configured_consent_duration?: string;

  @ApiPropertyOptional({ enum: ['one_factor', 'two_factor'], example: 'one_factor' })
  authorization_policy?: string;

  @ApiPropertyOptional({ description: 'Require PKCE for this client', example: true })
  enforce_pkce?: boolean;

  @ApiPropertyOptional({ enum: ['S256', 'plain'], example: 'S256' })
  pkce_challenge_method?: string;

  @ApiPropertyOptional({
    type: [String],
    description: 'Origins allowed to call /token, /introspect and /revoke from a browser',
    example: ['https://orders.example.com'],
  })
  cors_allowed_origins?: string[];

  @ApiPropertyOptional({
    type: [String],
    description: 'RFC 7662 §4: the aud values this client may introspect tokens for',
  })
  introspection_audiences?: string[];

  @ApiPropertyOptional({
    description: 'Let this client introspect any token (a gateway, an audit service)',
    example: false,
  })
  introspect_any_token?: boolean;

  @ApiPropertyOptional({
    type: [String],
    enum: [
      'urn:ietf:params:oauth:token-type:access_token',
      'urn:ietf:params:oauth:token-type:id_token',
    ],
    description: 'RFC 8693: the subject token types this client may exchange',
    example: ['urn:ietf:params:oauth:token-type:access_token'],
  })
  token_exchange_subject_token_types?: string[];

  @ApiPropertyOptional({
    description: 'RFC 8693: let this client exchange without an actor token (impersonation)',
    example: false,
  })
  token_exchange_impersonation?: boolean;

  @ApiPropertyOptional({ type: () => ClientLifespansInput })
  lifespans?: ClientLifespansInput;
}

/** RFC 7592 §2.2: an update names the client it replaces. */
export class ClientUpdateRequest extends ClientRegistrationMetadata {
  @ApiProperty({ description: 'The client_id of the registration', example: 's6BhdRkqt3' })
  client_id!: string;
}
