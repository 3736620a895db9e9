/**
 * Swagger for /token, /introspect and /revoke: their form bodies, answers and errors. Only
 * documentation; what the endpoints accept is decided by the guards, the grant DTOs and the
 * controller.
 */
import { applyDecorators } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiExtraModels,
  getSchemaPath,
  ApiOkResponse,
  ApiProperty,
  ApiPropertyOptional,
  ApiSecurity,
  type SchemaObject,
} from '@nestjs/swagger';
import { ApiOAuthError } from '../common/errors/oauth-error.openapi.js';
import { formSchema } from '../common/form-schema.openapi.js';
import { ClientAuthenticationParameters } from '../clients/auth/client-authentication.openapi.js';
import { ApiDpopHeader } from './dpop.openapi.js';
import { declaredGrants } from './grants/grant.js';
import { INTROSPECTION_JWT } from './introspection.service.js';
// Every served grant declares itself (its @Grant) before the token endpoint is documented.
import './grants/served-grants.js';

const FORM = 'application/x-www-form-urlencoded';

const EXAMPLE_TOKEN = 'eyJ0eXAiOiJhdCtqd3QiLCJhbGciOiJSUzI1NiIsImtpZCI6Ii4uLiJ9...';

/** RFC 6749 §5.1, OpenID Connect Core §3.1.3.3: what every grant answers. */
export class TokenResponseBody {
  @ApiProperty({ description: 'An RFC 9068 JWT (typ at+jwt)', example: EXAMPLE_TOKEN })
  access_token!: string;

  @ApiProperty({
    enum: ['Bearer', 'DPoP'],
    description: 'DPoP when the request carried a DPoP proof (RFC 9449 §5)',
    example: 'Bearer',
  })
  token_type!: string;

  @ApiProperty({ description: 'Seconds until the access token expires', example: 3600 })
  expires_in!: number;

  @ApiPropertyOptional({
    description: 'The scope granted, when it differs from the one asked or none was asked',
    example: 'invoices:read',
  })
  scope?: string;

  @ApiPropertyOptional({
    description:
      'authorization_code with offline_access, and refresh_token: the next refresh token of the family',
    example: 'tGzv3JOkF0XG5Qx2TlKWIA8QvaVkrQwPm1c4L4tYh6E',
  })
  refresh_token?: string;

  @ApiPropertyOptional({
    description: 'With the openid scope: the ID token (OpenID Connect Core §2)',
    example: 'eyJhbGciOiJSUzI1NiIsImtpZCI6Ii4uLiJ9...',
  })
  id_token?: string;
}

/**
 * RFC 7662 §2.2: `active`, and for an active token its claims (an access token's JWT claims,
 * or what a refresh token stands for).
 */
export class IntrospectionResponseBody {
  @ApiProperty({ example: true })
  active!: boolean;

  @ApiPropertyOptional({
    enum: ['Bearer', 'DPoP', 'refresh_token'],
    description: 'DPoP for a DPoP-bound access token, which also has cnf (RFC 9449 §6.2)',
    example: 'Bearer',
  })
  token_type?: string;

  @ApiPropertyOptional({ example: 'invoices:read' })
  scope?: string;

  @ApiPropertyOptional({ example: 'billing-worker' })
  client_id?: string;

  @ApiPropertyOptional({ example: 'https://id.example.com' })
  iss?: string;

  @ApiPropertyOptional({ example: 'billing-worker' })
  sub?: string;

  @ApiPropertyOptional({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: 'https://invoices.internal.example.com',
  })
  aud?: string | string[];

  @ApiPropertyOptional({ example: 'MYxe2feW25QbyYaetLtyiQ' })
  jti?: string;

  @ApiPropertyOptional({ description: 'Seconds since the epoch', example: 1795694014 })
  iat?: number;

  @ApiPropertyOptional({ description: 'Seconds since the epoch', example: 1795697614 })
  exp?: number;
}

/** RFC 7009 §2.1 and RFC 7662 §2.1: the token a request is about. */
export class TokenReference {
  @ApiProperty({
    type: 'string',
    description: 'An access token or a refresh token this provider issued',
    example: 'eyJ0eXAiOiJhdCtqd3QiLCJhbGciOiJSUzI1NiIsImtpZCI6Ii4uLiJ9...',
  })
  token!: string;

  @ApiPropertyOptional({
    type: 'string',
    enum: ['access_token', 'refresh_token'],
    description: 'Only a hint (RFC 7009 §2.1): every kind is tried',
    example: 'access_token',
  })
  token_type_hint?: string;
}

/**
 * One schema per served grant, generated from its `@Grant` declaration and parameter DTO (with
 * the client-authentication parameters), and their union at the top for Swagger UI's form.
 */
function tokenRequest(): SchemaObject {
  const grants = declaredGrants();
  const grantType = (types: string[]): SchemaObject => ({
    type: 'string',
    enum: types,
    description:
      'One of grant_types_supported in the discovery document; each has its schema below',
    example: types[0],
  });
  const union = formSchema([...grants.map((g) => g.parameters), ClientAuthenticationParameters], {
    properties: { grant_type: grantType(grants.map((g) => g.type)) },
  });
  return {
    ...union,
    // Parameters that are required for one grant are not for the form as a whole.
    required: ['grant_type'],
    oneOf: grants.map((g) => ({
      title: g.type,
      ...formSchema([g.parameters, ClientAuthenticationParameters], {
        required: ['grant_type'],
        properties: { grant_type: grantType([g.type]) },
      }),
    })),
  };
}

const tokenReferenceRequest = (): SchemaObject =>
  formSchema([TokenReference, ClientAuthenticationParameters]);

/**
 * ClientAuthenticated() declares client_secret_basic; the methods that authenticate in the body
 * (client_secret_post, the assertions, none) use no scheme of the document, so an empty
 * requirement is the other alternative.
 */
const bodyAuthentication = () => ApiSecurity({}); // a fresh decorator per use: it keeps state

const invalidClient = (extra: Record<string, { error: string; error_description: string }> = {}) =>
  ApiOAuthError(
    401,
    'invalid_client: unknown client, wrong secret, a bad or replayed assertion, no or two authentication methods, or not the registered one',
    {
      invalid_client: {
        error: 'invalid_client',
        error_description: 'Client authentication failed',
      },
      ...extra,
    },
    {
      'WWW-Authenticate': {
        description: 'Basic realm="openid-provider", when Basic was tried',
        schema: { type: 'string' },
      },
    },
  );

const notAForm = {
  error: 'invalid_request',
  error_description: 'The request body must be application/x-www-form-urlencoded',
};

export const TokenEndpointDocs = () =>
  applyDecorators(
    ApiExtraModels(TokenResponseBody),
    ApiConsumes(FORM),
    ApiBody({ schema: tokenRequest() }),
    bodyAuthentication(),
    ApiDpopHeader('token'),
    ApiOkResponse({
      description: 'RFC 6749 §5.1 access token response, with Cache-Control: no-store',
      content: {
        'application/json': {
          schema: { $ref: getSchemaPath(TokenResponseBody) },
          example: {
            access_token: EXAMPLE_TOKEN,
            token_type: 'Bearer',
            expires_in: 3600,
            scope: 'invoices:read',
          },
        },
      },
    }),
    ApiOAuthError(400, 'RFC 6749 §5.2 error response', {
      invalid_request: { error: 'invalid_request', error_description: 'grant_type is required' },
      not_a_form: notAForm,
      unsupported_grant_type: {
        error: 'unsupported_grant_type',
        error_description: 'grant_type password is not supported',
      },
      unauthorized_client: {
        error: 'unauthorized_client',
        error_description: 'This client may not use the client_credentials grant',
      },
      invalid_scope: {
        error: 'invalid_scope',
        error_description: 'This client may not request the scope invoices:write',
      },
      invalid_target: {
        error: 'invalid_target',
        error_description:
          'This client may not request a token for https://other.internal.example.com',
      },
      invalid_dpop_proof: {
        error: 'invalid_dpop_proof',
        error_description: 'The DPoP proof was already used',
      },
    }),
    invalidClient(),
  );

export const IntrospectionEndpointDocs = () =>
  applyDecorators(
    ApiExtraModels(IntrospectionResponseBody),
    ApiConsumes(FORM),
    ApiBody({ schema: tokenReferenceRequest() }),
    bodyAuthentication(),
    ApiOkResponse({
      description:
        'RFC 7662 §2.2: the token’s claims with active true, or only active false (expired, revoked, malformed, foreign, or its client deleted)',
      content: {
        'application/json': {
          schema: { $ref: getSchemaPath(IntrospectionResponseBody) },
          examples: {
            active: {
              value: {
                active: true,
                token_type: 'Bearer',
                iss: 'https://id.example.com',
                sub: 'billing-worker',
                aud: 'https://invoices.internal.example.com',
                client_id: 'billing-worker',
                scope: 'invoices:read',
                jti: 'MYxe2feW25QbyYaetLtyiQ',
                iat: 1795694014,
                exp: 1795697614,
              },
            },
            inactive: { value: { active: false } },
          },
        },
        [INTROSPECTION_JWT]: {
          schema: {
            type: 'string',
            description:
              'RFC 9701, with Accept: application/token-introspection+jwt: a JWT (typ token-introspection+jwt) signed with the caller’s introspection_signed_response_alg (RS256 by default), whose claims are iss, aud (the caller’s client_id), iat and token_introspection (the JSON answer)',
          },
          example: 'eyJ0eXAiOiJ0b2tlbi1pbnRyb3NwZWN0aW9uK2p3dCIsImFsZyI6IlJTMjU2In0...',
        },
      },
    }),
    ApiOAuthError(400, 'RFC 6749 §5.2 error response', {
      invalid_request: { error: 'invalid_request', error_description: 'token is required' },
      not_a_form: notAForm,
    }),
    invalidClient({
      public_client: {
        error: 'invalid_client',
        error_description: 'Public clients may not introspect tokens',
      },
    }),
  );

export const RevocationEndpointDocs = () =>
  applyDecorators(
    ApiConsumes(FORM),
    ApiBody({ schema: tokenReferenceRequest() }),
    bodyAuthentication(),
    ApiOkResponse({
      description: 'Revoked, or unknown (RFC 7009 §2.2 answers 200 either way); no body',
    }),
    ApiOAuthError(400, 'RFC 6749 §5.2 error response', {
      invalid_request: { error: 'invalid_request', error_description: 'token is required' },
      not_a_form: notAForm,
      unauthorized_client: {
        error: 'unauthorized_client',
        error_description: 'The token was not issued to this client',
      },
    }),
    invalidClient(),
  );
