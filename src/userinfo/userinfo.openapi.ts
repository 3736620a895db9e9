import {
  ApiExtraModels,
  ApiOkResponse,
  ApiProperty,
  ApiPropertyOptional,
  getSchemaPath,
} from '@nestjs/swagger';
import { applyDecorators } from '@nestjs/common';

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
