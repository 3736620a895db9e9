import { ApiPropertyOptional } from '@nestjs/swagger';

/**
 * RFC 6749 §2.3.1 and RFC 7523 §2.2: the ways to authenticate in a form body instead of Basic.
 * Only documentation; the client-authentication guard reads them.
 */
export class ClientAuthenticationParameters {
  @ApiPropertyOptional({
    type: 'string',
    description:
      'client_secret_post and public clients (none); optional with Basic or an assertion, and then it must match',
    example: 'billing-worker',
  })
  client_id?: string;

  @ApiPropertyOptional({ type: 'string', description: 'client_secret_post' })
  client_secret?: string;

  @ApiPropertyOptional({
    type: 'string',
    enum: ['urn:ietf:params:oauth:client-assertion-type:jwt-bearer'],
    description: 'client_secret_jwt and private_key_jwt (RFC 7523)',
    example: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
  })
  client_assertion_type?: string;

  @ApiPropertyOptional({
    type: 'string',
    description:
      'A JWT with iss = sub = the client id, aud the token endpoint or the issuer, exp at most CLIENT_ASSERTION_MAX_LIFESPAN ahead, a jti used once',
  })
  client_assertion?: string;
}
