/** Swagger for `/device_authorization` (RFC 8628 §3.1–3.2). Only documentation. */
import { applyDecorators } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiExtraModels,
  ApiOkResponse,
  ApiProperty,
  ApiPropertyOptional,
  getSchemaPath,
} from '@nestjs/swagger';
import { ClientAuthenticationParameters } from '../clients/auth/client-authentication.openapi.js';
import { ApiOAuthError } from '../common/errors/oauth-error.openapi.js';

export class DeviceAuthorizationRequest {
  @ApiPropertyOptional({
    description: 'Space-separated scopes, each one the client registered',
    example: 'openid profile offline_access',
  })
  scope?: string;

  @ApiPropertyOptional({
    type: [String],
    description: 'RFC 8707: the services the access token is for, in the client’s audience',
    example: ['https://media.internal.example.com'],
  })
  resource?: string[];
}

/** RFC 8628 §3.2. */
export class DeviceAuthorizationResponse {
  @ApiProperty({
    description: 'For the device only: what it polls /token with',
    example: 'GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS',
  })
  device_code!: string;

  @ApiProperty({
    description:
      'For the user to type at verification_uri: 8 of BCDFGHJKLMNPQRSTVWXZ, case, spaces and the dash do not matter',
    example: 'WDJB-MJHT',
  })
  user_code!: string;

  @ApiProperty({ example: 'https://id.example.com/device' })
  verification_uri!: string;

  @ApiProperty({
    description: 'The same page with the user code filled in (for a QR code or a link)',
    example: 'https://id.example.com/device?user_code=WDJB-MJHT',
  })
  verification_uri_complete!: string;

  @ApiProperty({ description: 'Seconds (DEVICE_CODE_LIFESPAN)', example: 600 })
  expires_in!: number;

  @ApiProperty({
    description: 'Seconds to wait between polls (DEVICE_CODE_POLLING_INTERVAL)',
    example: 5,
  })
  interval!: number;
}

export const DeviceAuthorizationDocs = () =>
  applyDecorators(
    ApiExtraModels(DeviceAuthorizationRequest, ClientAuthenticationParameters),
    ApiConsumes('application/x-www-form-urlencoded'),
    ApiBody({
      schema: {
        allOf: [
          { $ref: getSchemaPath(DeviceAuthorizationRequest) },
          { $ref: getSchemaPath(ClientAuthenticationParameters) },
        ],
      },
    }),
    ApiOkResponse({
      description: 'RFC 8628 §3.2, with Cache-Control: no-store',
      type: DeviceAuthorizationResponse,
    }),
    ApiOAuthError(400, 'RFC 6749 §5.2 error response', {
      unauthorized_client: {
        error: 'unauthorized_client',
        error_description: 'This client may not use the device authorization grant',
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
