import { ApiProperty } from '@nestjs/swagger';
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
  @ApiProperty({ type: [String], description: 'New keys, published as next' })
  created!: string[];

  @ApiProperty({ type: [String], description: 'Keys that became active' })
  promoted!: string[];

  @ApiProperty({ type: [String], description: 'Active keys that now only verify' })
  retired!: string[];

  @ApiProperty({ type: [String], description: 'Retired keys past their retention, gone' })
  removed!: string[];

  @ApiProperty({ type: [String], description: 'Keys revoked: out of the JWKS at once' })
  revoked!: string[];
}
