/** Swagger for `/par` (RFC 9126): its form, its answer and its errors. Only documentation. */
import { applyDecorators } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiProperty,
  getSchemaPath,
} from '@nestjs/swagger';
import { ClientAuthenticationParameters } from '../clients/auth/client-authentication.openapi.js';
import { ApiOAuthError } from '../common/errors/oauth-error.openapi.js';
import { AuthorizationRequestParameters } from './authorization-request.openapi.js';

/** RFC 9126 §2.2. */
export class PushedAuthorizationResponse {
  @ApiProperty({
    description: 'To send the browser to /authorize with, beside client_id; usable once',
    example: 'urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c',
  })
  request_uri!: string;

  @ApiProperty({
    description: 'Seconds the request_uri stays usable (PUSHED_AUTHORIZATIONS_CONTEXT_LIFESPAN)',
    example: 300,
  })
  expires_in!: number;
}

export const PushedAuthorizationDocs = () =>
  applyDecorators(
    ApiExtraModels(AuthorizationRequestParameters, ClientAuthenticationParameters),
    ApiConsumes('application/x-www-form-urlencoded'),
    ApiBody({
      schema: {
        description:
          'The parameters of an authorization request, and the client’s authentication as at /token',
        allOf: [
          { $ref: getSchemaPath(AuthorizationRequestParameters) },
          { $ref: getSchemaPath(ClientAuthenticationParameters) },
        ],
      },
    }),
    ApiCreatedResponse({
      description: 'RFC 9126 §2.2: the request_uri, with Cache-Control: no-store',
      type: PushedAuthorizationResponse,
    }),
    ApiOAuthError(400, 'RFC 9126 §2.3: the request would be refused at /authorize', {
      invalid_request: {
        error: 'invalid_request',
        error_description: 'redirect_uri is not registered for this client',
      },
      unsupported_response_type: {
        error: 'unsupported_response_type',
        error_description: 'response_type token is not supported; use code',
      },
      invalid_scope: {
        error: 'invalid_scope',
        error_description: 'This client may not request the scope admin',
      },
    }),
    ApiOAuthError(401, 'invalid_client: client authentication failed, as at /token', {
      invalid_client: {
        error: 'invalid_client',
        error_description: 'Client authentication failed',
      },
    }),
  );
