import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/**
 * OpenID Connect Discovery 1.0 §3 / RFC 8414 §2 metadata: the main members; every module adds
 * what it serves (registration, logout, introspection, …), so the document holds more.
 */
export class ProviderMetadata {
  @ApiProperty({ example: 'https://login.example.com' })
  issuer!: string;

  @ApiProperty({ example: 'https://login.example.com/authorize' })
  authorization_endpoint!: string;

  @ApiProperty({ example: 'https://login.example.com/token' })
  token_endpoint!: string;

  @ApiProperty({ example: 'https://login.example.com/jwks' })
  jwks_uri!: string;

  @ApiPropertyOptional({ example: 'https://login.example.com/userinfo' })
  userinfo_endpoint?: string;

  @ApiPropertyOptional({ example: 'https://login.example.com/register' })
  registration_endpoint?: string;

  @ApiProperty({ type: [String], example: ['openid', 'profile', 'email', 'offline_access'] })
  scopes_supported!: string[];

  @ApiProperty({ type: [String], example: ['code'] })
  response_types_supported!: string[];

  @ApiProperty({
    type: [String],
    example: ['authorization_code', 'client_credentials', 'refresh_token'],
  })
  grant_types_supported!: string[];

  @ApiProperty({ type: [String], example: ['public', 'pairwise'] })
  subject_types_supported!: string[];

  @ApiProperty({ type: [String], example: ['RS256', 'ES256'] })
  id_token_signing_alg_values_supported!: string[];

  @ApiProperty({ type: [String], example: ['client_secret_basic', 'private_key_jwt'] })
  token_endpoint_auth_methods_supported!: string[];

  @ApiProperty({ type: [String], example: ['S256'] })
  code_challenge_methods_supported!: string[];
}
