import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { SUPPORTED_SIGNING_ALGS } from '../config/environment.js';
import { PublicJwk } from '../keys/jwks.openapi.js';

/** A signing key as the admin API lists it: its state and dates, public parts only. */
export class AdminSigningKey {
  @ApiProperty({ example: 'FrgTsd-yHslh1m0SMw2ez7y0TxQGNpg9M6E337vQAck' })
  kid!: string;

  @ApiProperty({ example: 'ES256' })
  alg!: string;

  @ApiProperty({
    enum: ['next', 'active', 'retired', 'revoked'],
    description:
      'next: published, not signing yet; active: signing; retired: published for verification only',
  })
  status!: string;

  @ApiProperty({ enum: ['generated', 'imported'], example: 'generated' })
  origin!: string;

  @ApiProperty({ type: PublicJwk })
  public_jwk!: PublicJwk;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  activated_at!: string | null;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  retired_at!: string | null;

  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'When a retired key leaves the JWKS',
  })
  remove_after!: string | null;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  revoked_at!: string | null;
}

export class AdminSigningKeys {
  @ApiProperty({ type: [AdminSigningKey] })
  keys!: AdminSigningKey[];
}

/** What a rotation, an import or a revocation changed: the kids, by what happened to them. */
export class RotationOutcomeView {
  @ApiProperty({
    type: [String],
    description: 'New keys, published as next',
    example: ['FrgTsd-yHslh1m0SMw2ez7y0TxQGNpg9M6E337vQAck'],
  })
  created!: string[];

  @ApiProperty({
    type: [String],
    description: 'Keys that became active',
    example: ['Yx1k3kz9Zp0m4tQv7bH2cW8sR5nL6aJd0eF3gU1iO2w'],
  })
  promoted!: string[];

  @ApiProperty({
    type: [String],
    description: 'Active keys that now only verify',
    example: ['Qm9vX2b3Nn4cD5eF6gH7iJ8kL9mN0oP1qR2sT3uV4wX'],
  })
  retired!: string[];

  @ApiProperty({
    type: [String],
    description: 'Retired keys past their retention, gone',
    example: [],
  })
  removed!: string[];

  @ApiProperty({
    type: [String],
    description: 'Keys revoked: out of the JWKS at once',
    example: [],
  })
  revoked!: string[];
}

/** The body of `POST /admin/keys/rotate`; the controller checks it. */
export class KeyRotationInput {
  @ApiPropertyOptional({
    type: [String],
    enum: SUPPORTED_SIGNING_ALGS,
    description: 'The algorithms to rotate; all of SIGNING_ALGS when absent',
    example: ['RS256'],
  })
  algorithms?: string[];

  @ApiPropertyOptional({
    description:
      'Promote `next` even if it has been published for less than the JWKS cache lifetime (relying parties with a cached JWKS may then meet an unknown kid). Without it such a rotation is refused with 400.',
    default: false,
  })
  emergency?: boolean;
}

/** The body of `POST /admin/keys/import`; the controller checks it. */
export class KeyImportInput {
  @ApiProperty({
    maxLength: 32768,
    description: 'RSA (at least 2048 bits), EC P-256 or Ed25519; unencrypted PKCS#8 or traditional',
    example: '-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----',
  })
  private_key_pem!: string;

  @ApiPropertyOptional({
    maxLength: 65536,
    description: 'The certificate first, then its issuers: published as x5c and x5t#S256',
    example: '-----BEGIN CERTIFICATE-----\n...',
  })
  certificate_chain_pem?: string;

  @ApiPropertyOptional({
    enum: SUPPORTED_SIGNING_ALGS,
    description:
      'What the key signs with; RS256 for RSA, ES256 for P-256, EdDSA for Ed25519 by default',
    example: 'RS256',
  })
  alg?: string;

  @ApiPropertyOptional({
    description:
      'Sign with it at once, skipping pre-publication; otherwise it becomes the next key',
    example: false,
  })
  activate?: boolean;
}
