import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';

/**
 * RFC 8707 `resource` at `/token`, repeatable; the rules are `ResourceCatalog`'s. For a user's
 * grant (code, refresh, device) each must be one the grant was given for.
 */
export class ResourceParameter {
  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', format: 'uri' },
    description:
      'RFC 8707: absolute URIs of the services the token is for, each a resource the client may ask for (for a user’s grant, one asked for in the authorization request); may be repeated. The access token’s aud, and only the scopes of these resources',
    example: ['https://invoices.internal.example.com'],
  })
  @IsOptional()
  resource?: string | string[];
}

/**
 * The target of a token a grant issues for a service: RFC 8707 `resource` and its logical
 * name `audience` (Authelia, RFC 8693 §2.1), each repeatable.
 */
export class TargetParameters extends ResourceParameter {
  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string' },
    description: 'Like resource, by logical name (Authelia, RFC 8693); may be repeated',
    example: ['invoices'],
  })
  @IsOptional()
  audience?: string | string[];
}
