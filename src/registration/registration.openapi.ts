/** Swagger for /register and /register/{client_id}: their answers and errors. Only documentation. */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ApiOAuthError } from '../common/errors/oauth-error.openapi.js';

/**
 * RFC 7591 §3.2.1 client information response (and RFC 7592 §3): the client's registered
 * metadata as stored (the fields below and every other registered one), with what the
 * client needs to manage its registration.
 */
export class ClientInformationResponse {
  @ApiProperty({ example: 's6BhdRkqt3' })
  client_id!: string;

  @ApiPropertyOptional({
    description:
      'A confidential client: its secret, shown when it is issued (registration, or a change that needs a new one)',
  })
  client_secret?: string;

  @ApiPropertyOptional({
    description: 'With client_secret: 0, the secret does not expire',
    example: 0,
  })
  client_secret_expires_at?: number;

  @ApiProperty({ description: 'Seconds since the epoch', example: 1764860000 })
  client_id_issued_at!: number;

  @ApiProperty({ type: [String], example: ['https://client.example.org/callback'] })
  redirect_uris!: string[];

  @ApiProperty({ type: [String], example: ['authorization_code'] })
  grant_types!: string[];

  @ApiProperty({ example: 'client_secret_basic' })
  token_endpoint_auth_method!: string;

  @ApiPropertyOptional({ example: 'My Example' })
  client_name?: string;

  @ApiProperty({
    description:
      'The bearer token of RFC 7592 for this client’s own registration (the same one on read and update)',
  })
  registration_access_token!: string;

  @ApiProperty({ example: 'https://server.example.com/register/s6BhdRkqt3' })
  registration_client_uri!: string;
}

/** The metadata errors of registration and update. */
export const ApiInvalidMetadataResponse = () =>
  ApiOAuthError(400, 'RFC 7591 §3.2.2 error response, naming the field', {
    invalid_redirect_uri: {
      error: 'invalid_redirect_uri',
      error_description:
        'redirect_uris[0] must use https (http only for 127.0.0.1, [::1] or localhost)',
    },
    invalid_client_metadata: {
      error: 'invalid_client_metadata',
      error_description:
        'grant_types[0] must be one of authorization_code, client_credentials, refresh_token',
    },
    invalid_request: {
      error: 'invalid_request',
      error_description: 'The body must be application/json',
    },
  });

/** RFC 6750 §3.1: no token is a bare challenge, a wrong one invalid_token. */
export const ApiInvalidTokenResponse = () =>
  ApiOAuthError(
    401,
    'No bearer token, or not a valid one',
    {
      invalid_token: {
        error: 'invalid_token',
        error_description: 'The registration access token is not valid',
      },
    },
    {
      'WWW-Authenticate': {
        description: 'Bearer, or Bearer error="invalid_token"',
        schema: { type: 'string' },
      },
    },
  );
