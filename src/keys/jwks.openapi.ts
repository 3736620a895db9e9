import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** One public signing key (RFC 7517 §4, RFC 7518 §6): never a private member. */
export class PublicJwk {
  @ApiProperty({ enum: ['EC', 'RSA', 'OKP'], example: 'EC' })
  kty!: string;

  @ApiProperty({
    description: 'The RFC 7638 thumbprint of the key, base64url',
    example: 'FrgTsd-yHslh1m0SMw2ez7y0TxQGNpg9M6E337vQAck',
  })
  kid!: string;

  @ApiProperty({ enum: ['sig'], example: 'sig' })
  use!: 'sig';

  @ApiProperty({ description: 'The one JWS algorithm the key signs with', example: 'ES256' })
  alg!: string;

  @ApiPropertyOptional({ description: 'EC and OKP: the curve', example: 'P-256' })
  crv?: string;

  @ApiPropertyOptional({ description: 'EC and OKP: the public x coordinate, base64url' })
  x?: string;

  @ApiPropertyOptional({ description: 'EC: the public y coordinate, base64url' })
  y?: string;

  @ApiPropertyOptional({ description: 'RSA: the modulus, base64url' })
  n?: string;

  @ApiPropertyOptional({ description: 'RSA: the public exponent, base64url', example: 'AQAB' })
  e?: string;

  @ApiPropertyOptional({
    type: [String],
    description: 'An imported key with a certificate chain: the chain, base64 DER (RFC 7517 §4.7)',
  })
  x5c?: string[];

  @ApiPropertyOptional({ description: 'The certificate SHA-256 thumbprint (RFC 7517 §4.9)' })
  'x5t#S256'?: string;
}

/** `GET /jwks`: the next, active and retired keys, so verifiers follow a rotation unaided. */
export class JwkSet {
  @ApiProperty({ type: [PublicJwk] })
  keys!: PublicJwk[];
}
