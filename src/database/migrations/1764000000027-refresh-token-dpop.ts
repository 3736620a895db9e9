import type { MigrationInterface, QueryRunner } from 'typeorm';

export class RefreshTokenDpop1764000000027 implements MigrationInterface {
  name = 'RefreshTokenDpop1764000000027';

  async up(q: QueryRunner): Promise<void> {
    // RFC 9449 §5.8: a public client's refresh-token family is bound to the thumbprint of the
    // DPoP key it was issued with; rotations copy it. Null: not bound.
    await q.query(`ALTER TABLE refresh_tokens ADD COLUMN dpop_jkt text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE refresh_tokens DROP COLUMN dpop_jkt`);
  }
}
