/**
 * Swagger for /token, /introspect and /revoke: their form bodies, answers and errors. Only
 * documentation; what the endpoints accept is decided by the guards, the grant DTOs and the
 * controller.
 */
import { applyDecorators } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiSecurity,
  type SchemaObject,
} from '@nestjs/swagger';
import { ApiOAuthError } from '../common/errors/oauth-error.openapi.js';

const FORM = 'application/x-www-form-urlencoded';

/** RFC 6749 §2.3.1 and RFC 7523 §2.2: the ways to authenticate in the body instead of Basic. */
const CLIENT_AUTHENTICATION: Record<string, SchemaObject> = {
  client_id: {
    type: 'string',
    description:
      'client_secret_post and public clients (none); optional with Basic or an assertion, and then it must match',
  },
  client_secret: { type: 'string', description: 'client_secret_post' },
  client_assertion_type: {
    type: 'string',
    enum: ['urn:ietf:params:oauth:client-assertion-type:jwt-bearer'],
    description: 'client_secret_jwt and private_key_jwt (RFC 7523)',
  },
  client_assertion: {
    type: 'string',
    description:
      'A JWT with iss = sub = the client id, aud the token endpoint or the issuer, exp at most 10 minutes ahead, a jti used once',
  },
};

const TOKEN_TYPE_HINT: SchemaObject = {
  type: 'string',
  description: 'access_token or refresh_token (RFC 7009 §2.1); only a hint, every kind is tried',
  example: 'access_token',
};

const TOKEN_REQUEST: SchemaObject = {
  type: 'object',
  required: ['grant_type'],
  properties: {
    grant_type: {
      type: 'string',
      description:
        'One of grant_types_supported in the discovery document; the parameters below are those of client_credentials (RFC 6749 §4.4)',
      example: 'client_credentials',
    },
    scope: {
      type: 'string',
      description: 'Space-separated scopes, each one the client registered; by default all of them',
      example: 'invoices:read',
    },
    resource: {
      type: 'array',
      items: { type: 'string', format: 'uri' },
      description:
        'RFC 8707: absolute URIs of the services the token is for, each in the client’s audience; may be repeated',
      example: ['https://invoices.internal.example.com'],
    },
    audience: {
      type: 'array',
      items: { type: 'string' },
      description: 'Like resource, by logical name (Authelia, RFC 8693); may be repeated',
    },
    ...CLIENT_AUTHENTICATION,
  },
};

const tokenRequest = (example: string): SchemaObject => ({
  type: 'object',
  required: ['token'],
  properties: {
    token: { type: 'string', example },
    token_type_hint: TOKEN_TYPE_HINT,
    ...CLIENT_AUTHENTICATION,
  },
});

const EXAMPLE_TOKEN = 'eyJ0eXAiOiJhdCtqd3QiLCJhbGciOiJSUzI1NiIsImtpZCI6Ii4uLiJ9...';

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
    ApiConsumes(FORM),
    ApiBody({ schema: TOKEN_REQUEST }),
    bodyAuthentication(),
    ApiOkResponse({
      description: 'RFC 6749 §5.1 access token response, with Cache-Control: no-store',
      content: {
        'application/json': {
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
    }),
    invalidClient(),
  );

export const IntrospectionEndpointDocs = () =>
  applyDecorators(
    ApiConsumes(FORM),
    ApiBody({ schema: tokenRequest(EXAMPLE_TOKEN) }),
    bodyAuthentication(),
    ApiOkResponse({
      description:
        'RFC 7662 §2.2: the token’s claims with active true, or only active false (expired, revoked, malformed, foreign, or its client deleted)',
      content: {
        'application/json': {
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
    ApiBody({ schema: tokenRequest(EXAMPLE_TOKEN) }),
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
