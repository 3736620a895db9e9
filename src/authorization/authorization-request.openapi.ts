/**
 * Swagger for `/authorize`: the parameters of an authorization request, the same for the query
 * of a GET and the form body of a POST (OpenID Connect Core §3.1.2.1). Only documentation:
 * `authorization-request.ts` checks them, in the order that decides where an error is shown.
 */
import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiProperty, ApiPropertyOptional, ApiQuery } from '@nestjs/swagger';

export class AuthorizationRequestParameters {
  @ApiProperty({
    enum: ['code'],
    description: 'The code flow (Core §3.1); other response types answer unsupported_response_type',
    example: 'code',
  })
  response_type!: string;

  @ApiProperty({ maxLength: 200, example: 'reports' })
  client_id!: string;

  @ApiPropertyOptional({
    format: 'uri',
    description:
      'One of the client’s registered redirect_uris, exactly; may be left out when it registered only one',
    example: 'https://reports.example.com/callback',
  })
  redirect_uri?: string;

  @ApiPropertyOptional({
    description:
      'Space-separated; openid for OpenID Connect, then profile, email, address, phone, groups, offline_access or the client’s own scopes',
    example: 'openid profile email',
  })
  scope?: string;

  @ApiPropertyOptional({
    maxLength: 2048,
    description:
      'Returned unchanged with the answer; at least MINIMUM_PARAMETER_ENTROPY characters',
    example: 'af0ifjsldkj',
  })
  state?: string;

  @ApiPropertyOptional({
    maxLength: 2048,
    description: 'Put into the ID token (Core §3.1.2.1)',
    example: 'n-0S6_WzA2Mj',
  })
  nonce?: string;

  @ApiPropertyOptional({
    minLength: 43,
    maxLength: 128,
    description: 'RFC 7636 PKCE: BASE64URL(SHA-256(code_verifier)) with S256',
    example: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  })
  code_challenge?: string;

  @ApiPropertyOptional({
    enum: ['S256', 'plain'],
    description: 'plain only where the provider and the client allow it',
    example: 'S256',
  })
  code_challenge_method?: string;

  @ApiPropertyOptional({
    description:
      'RFC 9449 §10: the JWK SHA-256 thumbprint of the DPoP key the code is bound to; the token request must carry a DPoP proof by that key',
    example: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs',
  })
  dpop_jkt?: string;

  @ApiPropertyOptional({
    enum: ['query', 'fragment', 'form_post'],
    description:
      'How the answer reaches the client (OAuth 2.0 Multiple Response Types, Form Post Response Mode); query by default',
    example: 'query',
  })
  response_mode?: string;

  @ApiPropertyOptional({
    description:
      'Space-separated: none (no page may be shown), login, consent, select_account; none with another is refused',
    example: 'login',
  })
  prompt?: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    description: 'Seconds since the user last authenticated beyond which they must sign in again',
    example: 3600,
  })
  max_age?: number;

  @ApiPropertyOptional({
    maxLength: 16384,
    description: 'An ID token this provider issued, naming the user expected to be signed in',
  })
  id_token_hint?: string;

  @ApiPropertyOptional({
    maxLength: 4096,
    description: 'The username to fill in on the login page',
    example: 'alice',
  })
  login_hint?: string;

  @ApiPropertyOptional({
    description: 'Space-separated BCP 47 tags, by preference: the pages speak English and French',
    example: 'fr en',
  })
  ui_locales?: string;

  @ApiPropertyOptional({ description: 'Space-separated BCP 47 tags for claims', example: 'fr' })
  claims_locales?: string;

  @ApiPropertyOptional({
    description: 'Space-separated authentication context classes requested (Core §3.1.2.1)',
  })
  acr_values?: string;

  @ApiPropertyOptional({
    enum: ['page', 'popup', 'touch', 'wap'],
    description: 'Accepted; every display gets the same responsive page',
    example: 'page',
  })
  display?: string;

  @ApiPropertyOptional({
    description:
      'Core §5.5: a JSON object asking for individual claims in userinfo and id_token, each null or with essential, value or values',
    example: '{"id_token":{"email":{"essential":true}}}',
  })
  claims?: string;

  @ApiPropertyOptional({
    type: [String],
    description:
      'RFC 8707: absolute URIs of the services the access token is for, among the client’s audience; may be repeated',
    example: ['https://invoices.internal.example.com'],
  })
  resource?: string[];

  @ApiPropertyOptional({
    description:
      'RFC 9101: the request as a JWT signed with one of the client’s registered keys (iss the client_id, aud the issuer, exp within an hour, a jti used once); its claims are the request and the other parameters but client_id are ignored',
  })
  request?: string;

  @ApiPropertyOptional({
    description:
      'RFC 9126: the request_uri /par returned (with client_id, once); a request object by reference is not supported (request_uri_not_supported)',
  })
  request_uri?: string;
}

/** The parameters of a GET, in its query. */
export const ApiAuthorizationQuery = () => ApiQuery({ type: AuthorizationRequestParameters });

/** The same parameters in the form body of a POST. */
export const ApiAuthorizationForm = () =>
  applyDecorators(
    ApiConsumes('application/x-www-form-urlencoded'),
    ApiBody({ type: AuthorizationRequestParameters }),
  );
