import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';

/**
 * The target of a token a grant issues for a service: RFC 8707 `resource` and its logical
 * name `audience` (Authelia, RFC 8693 §2.1), each repeatable and each among the client's
 * audiences (`common/resource-indicators.ts` has the rules).
 */
export class TargetParameters {
  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', format: 'uri' },
    description:
      'RFC 8707: absolute URIs of the services the token is for, each in the client’s audience; may be repeated',
    example: ['https://invoices.internal.example.com'],
  })
  @IsOptional()
  resource?: string | string[];

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string' },
    description: 'Like resource, by logical name (Authelia, RFC 8693); may be repeated',
    example: ['invoices'],
  })
  @IsOptional()
  audience?: string | string[];
}
