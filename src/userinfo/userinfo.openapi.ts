import {
  ApiBody,
  ApiConsumes,
  ApiExtraModels,
  ApiOkResponse,
  ApiProperty,
  ApiPropertyOptional,
  getSchemaPath,
} from '@nestjs/swagger';
import { applyDecorators } from '@nestjs/common';
import { ApiOAuthError } from '../common/errors/oauth-error.openapi.js';

/** Core §5.3.2: `sub`, and the claims the token's scopes and `claims` request release. */
export class UserinfoClaims {
  @ApiProperty({
    description: 'The subject, as in the ID token (public or pairwise)',
    example: '6f1c2f5e-3b7a-4c55-9f0e-2d8a1b7c9e41',
  })
  sub!: string;

  @ApiPropertyOptional({
    description: 'scope profile (and the other profile claims of Core §5.1)',
    example: 'Alice Durand',
  })
  name?: string;

  @ApiPropertyOptional({ description: 'scope email', example: 'alice.durand@example.com' })
  email?: string;

  @ApiPropertyOptional({ description: 'scope email', example: true })
  email_verified?: boolean;

  @ApiPropertyOptional({ type: [String], description: 'scope groups', example: ['staff'] })
  groups?: string[];
}

/** JSON, or a JWT signed for the client when it registered `userinfo_signed_response_alg`. */
export const ApiUserinfoResponse = () =>
  applyDecorators(
    ApiExtraModels(UserinfoClaims),
    ApiOkResponse({
      description:
        'The claims, as JSON or, for a client that registered a signing algorithm, as a signed JWT',
      content: {
        'application/json': { schema: { $ref: getSchemaPath(UserinfoClaims) } },
        'application/jwt': {
          schema: {
            type: 'string',
            description: 'A JWS whose payload is the claims with iss and aud',
          },
        },
      },
    }),
  );

/** RFC 6750 §2.2: the access token in a form body, for a POST without the Authorization header. */
export class UserinfoForm {
  @ApiPropertyOptional({
    description: 'The access token, when it is not in the Authorization header (never both)',
    example: 'eyJ0eXAiOiJhdCtqd3QiLCJhbGciOiJSUzI1NiIsImtpZCI6Ii4uLiJ9...',
  })
  access_token?: string;
}

export const ApiUserinfoForm = () =>
  applyDecorators(
    ApiConsumes('application/x-www-form-urlencoded'),
    ApiBody({ type: UserinfoForm, required: false }),
  );

/** RFC 6750 §3.1: a missing, invalid or expired token, with its challenge. */
export const ApiUserinfoErrors = () =>
  ApiOAuthError(
    401,
    'RFC 6750 §3.1: no token, or an invalid, expired or revoked one; the challenge says which',
    {
      invalid_token: {
        error: 'invalid_token',
        error_description: 'The access token is invalid, expired or revoked',
      },
      no_token: { error: 'invalid_token', error_description: 'A bearer access token is required' },
      dpop_bound_as_bearer: {
        error: 'invalid_token',
        error_description: 'The access token is DPoP-bound: present it with the DPoP scheme',
      },
      invalid_dpop_proof: {
        error: 'invalid_dpop_proof',
        error_description: 'The DPoP proof ath does not match the access token',
      },
    },
    {
      'WWW-Authenticate': {
        description:
          'Bearer, with error and error_description; DPoP (RFC 9449 §7.1) for a DPoP-bound token, with algs too',
        schema: { type: 'string' },
      },
    },
  );
