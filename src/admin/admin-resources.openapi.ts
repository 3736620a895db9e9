import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { SUPPORTED_SIGNING_ALGS } from '../config/environment.js';

/** A resource server declaration, as RESOURCES_FILE and `PUT /admin/resources/{identifier}` take it. */
export class AdminResourceInput {
  @ApiPropertyOptional({
    format: 'uri',
    maxLength: 300,
    description:
      'RFC 8707 §2: the absolute URI (no fragment) clients send as resource, and the tokens’ aud. Optional in the body; when sent, the same as in the path',
    example: 'https://invoices.internal.example.com',
  })
  identifier?: string;

  @ApiPropertyOptional({
    type: [String],
    maxItems: 100,
    description:
      'Scopes of this API: granted only in a token for it (never openid, offline_access or admin)',
    example: ['invoices:read', 'invoices:write'],
  })
  scopes?: string[];

  @ApiPropertyOptional({
    oneOf: [
      { type: 'string', enum: ['any'] },
      { type: 'array', items: { type: 'string' }, maxItems: 1000 },
    ],
    description:
      'Who may ask for a token for it: any (dynamically registered clients included) or these client ids. Clients the operator registered may also name it in their audience',
    example: ['billing-worker', 'reports'],
  })
  clients?: 'any' | string[];

  @ApiPropertyOptional({
    oneOf: [{ type: 'string' }, { type: 'integer', minimum: 60, maximum: 86400 }],
    description:
      'Lifespan of access tokens for it, from 1m to 24h (a duration such as 15m, or seconds), instead of ACCESS_TOKEN_LIFESPAN; a client’s own lifespan may shorten it',
    example: '15m',
  })
  access_token_lifespan?: string | number;

  @ApiPropertyOptional({
    enum: SUPPORTED_SIGNING_ALGS,
    description:
      'The algorithm of access tokens for it (one of SIGNING_ALGS), instead of ACCESS_TOKEN_SIGNING_ALG',
    example: 'ES256',
  })
  access_token_signed_response_alg?: string;
}

/** A declaration as the admin API shows it. */
export class AdminResource {
  @ApiProperty({ format: 'uri', example: 'https://invoices.internal.example.com' })
  identifier!: string;

  @ApiProperty({ type: [String], example: ['invoices:read', 'invoices:write'] })
  scopes!: string[];

  @ApiProperty({
    oneOf: [
      { type: 'string', enum: ['any'] },
      { type: 'array', items: { type: 'string' } },
    ],
    example: ['billing-worker', 'reports'],
  })
  clients!: 'any' | string[];

  @ApiPropertyOptional({ type: 'integer', description: 'Seconds', example: 900 })
  access_token_lifespan?: number;

  @ApiPropertyOptional({ enum: SUPPORTED_SIGNING_ALGS, example: 'ES256' })
  access_token_signed_response_alg?: string;

  @ApiProperty({
    enum: ['file', 'admin'],
    description: 'Who declared it: RESOURCES_FILE (change it there) or the admin API',
    example: 'admin',
  })
  origin!: string;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  @ApiProperty({ format: 'date-time' })
  updated_at!: string;
}

export class AdminResourcesPage {
  @ApiProperty({ type: [AdminResource] })
  resources!: AdminResource[];

  @ApiPropertyOptional({ description: 'The cursor of the next page; absent on the last page' })
  next?: string;
}
