import type { MigrationInterface, QueryRunner } from 'typeorm';

export class SigningKeys1764000000000 implements MigrationInterface {
  name = 'SigningKeys1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pgcrypto`);
    await q.query(`
      CREATE TABLE signing_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kid text NOT NULL UNIQUE,
        alg text NOT NULL CHECK (alg IN ('RS256', 'PS256', 'ES256', 'EdDSA')),
        status text NOT NULL CHECK (status IN ('next', 'active', 'retired', 'revoked')),
        origin text NOT NULL CHECK (origin IN ('generated', 'imported')),
        public_jwk jsonb NOT NULL,
        private_key_encrypted bytea,
        x5c jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        activated_at timestamptz,
        retired_at timestamptz,
        remove_after timestamptz,
        revoked_at timestamptz,
        CONSTRAINT signing_keys_private_key_unless_revoked CHECK ((status = 'revoked') = (private_key_encrypted IS NULL))
      )`);
    // At most one active and one next key per algorithm, whatever several instances do.
    await q.query(
      `CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (alg) WHERE status = 'active'`,
    );
    await q.query(
      `CREATE UNIQUE INDEX signing_keys_one_next ON signing_keys (alg) WHERE status = 'next'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE signing_keys`);
  }
}
